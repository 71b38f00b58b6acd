using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Victims;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Quality;
using Grading = EvidenceHub.Hub.Quality.Grading;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Identifiers;

/// The owner replaces a wrongly typed identifier with the one it should have been (LED Art. 16). The old one is
/// retracted, naming its replacement, so it stops matching; the new one is added and correlated like any new
/// identifier (with the old one's grading unless the request grades it); every unit told of a correlation on the old one
/// through this case is told of the correction (Art. 7(3)), and learns the replacement only if its own case holds it.
public sealed record ReplaceSuspectIdentifier(string Key, RawIdentifier Raw, Grading? Grading, string Reason, CorrelationOptions Options) : Command
{
    public IdentifierPseudonym Pseudonyms { get; init; } = null!;

    public static ReplaceSuspectIdentifier From(ReplaceSuspectIdentifierRequest request, Caller caller, CaseTarget target, CorrelationOptions options,
        IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var key = pseudonyms.MatchKeyOf(RequestFields.RequiredText(request.IdentifierKey, "identifier_key", RequestFields.MaxIdentifierKeyLength));
        var raw = IdentifierMapping.RawOf(request.Identifier);
        var grading = GradingMapping.Of(request.Grading);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new ReplaceSuspectIdentifier(key, raw, grading, reason, options)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target, Pseudonyms = pseudonyms,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    private (string Country, CanonicalIdentifier Identifier)? canonical;

    private CanonicalIdentifier CanonicalFor(CaseFile file)
    {
        if (canonical?.Country != file.OwnerCountry) canonical = (file.OwnerCountry, IdentifierMapping.Canonicalize(Raw, file.OwnerCountry));
        return canonical.Value.Identifier;
    }

    private string MatchKeyFor(CaseFile file) => Pseudonyms.MatchKeyOf(CanonicalFor(file));

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => state is null ? [Key] : [Key, MatchKeyFor(state)];

    /// The victim links contacted by the wrong identifier are found by opening their contacting identifiers.
    public override bool ReadsSealedFields => true;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("ReplaceSuspectIdentifier reseals victims' contacting identifiers: it decides with the case's subject keys.");

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var held = index.HoldingOf(current.Id, Key) ?? throw Rejection.NotFound("identifier", Key, "identifier_key");
        Media.ImportedMedia.EnsureNotImported(held);
        var replacement = CanonicalFor(current);
        var replacementKey = MatchKeyFor(current);
        if (replacementKey == Key) throw Rejection.InvalidArgument("identifier", "is the identifier it would replace");

        // A link seals the contacting identifier's key as its request named it: compared by match key.
        var contactedBy = nameof(VictimLinked.ContactedBy);
        var recontacted = current.Victims
            .Where(v => !v.IsErased && v.ContactedBy is { } sealedKey && !sealedKey.IsErased(keys) && Pseudonyms.MatchKeyOf(sealedKey.Open(keys, contactedBy)) == Key)
            .Select(v => new VictimRecontacted(v.VictimLinkId, keys.Seal(v.VictimReference.Subject, contactedBy, replacement.Key)))
            .ToList();
        var retracted = new SuspectIdentifierRetracted(current.Id, Key, RetractSuspectIdentifier.SealedReason(keys, held, Reason), held.ToCaseIdentifier(), ReplacedBy: replacementKey,
            Recontacted: recontacted.Count > 0 ? recontacted : null);
        var grading = Grading ?? held.Grading;
        // The case may hold the right identifier already: then the wrong one only goes.
        var alreadyHeld = index.HoldingOf(current.Id, replacementKey);
        var added = alreadyHeld is null ? SuspectIdentifierAdded.Sealing(current.Id, replacement, replacementKey, Raw, grading, keys) : null;
        var correlations = added is null ? [] : AddSuspectIdentifier.Correlate(current, replacement.Kind, replacementKey, index, grading, Options);

        // Correlated with this case on the replacement, now or before: such a recipient is told of it anyway.
        var onReplacement = correlations.OfType<CorrelationFound>().Select(f => f.Holding.CaseId)
            .Concat(index.CorrelationsOn(replacementKey).Where(p => p.AddingCase == current.Id || p.HoldingCase == current.Id)
                .Select(p => p.AddingCase == current.Id ? p.HoldingCase : p.AddingCase))
            .ToHashSet();
        var recipients = index.ToldThrough(Key, current.Id)
            .Select(r => r with { HoldsReplacement = onReplacement.Contains(r.CaseId) })
            .ToList();
        List<object> events = [retracted];
        if (recipients.Count > 0) events.Add(new CorrelationRetracted(Key, CaseParty.Of(current), RetractSuspectIdentifier.ToldReason(current, keys, Reason), recipients, ReplacedBy: replacementKey));
        if (added is not null) events.Add(added);
        events.AddRange(correlations);

        var identifier = added is not null
            ? IdentifierMapping.ToProto(CaseIdentifier.From(added, default, current.OwnerUnit, version: 0), keys)
            : IdentifierMapping.AsHeld(replacement, Raw, alreadyHeld!);
        return new(events, AddSuspectIdentifier.ResultOf(current, index, identifier, replacementKey, correlations, Options, Caller.UnitId)) { Subject = held.Subject };
    }
}
