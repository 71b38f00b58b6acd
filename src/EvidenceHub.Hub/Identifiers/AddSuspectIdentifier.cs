using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Quality;
using Grading = EvidenceHub.Hub.Quality.Grading;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Identifiers;

/// The owner or a co-lead ties a suspect identifier to the case (recorded as added by its unit; it correlates as the
/// case's, against the case's country and policy). The same canonical identifier added twice to one case is one
/// identifier: the second time nothing is appended. A new identifier is correlated with every other case that holds it,
/// unless it is common or a unit marked it not to correlate. The holding is matched by the identifier's pseudonym, and
/// its values are sealed under a new subject of its own (SuspectIdentifierAdded.Sealing).
public sealed record AddSuspectIdentifier(RawIdentifier Raw, CorrelationOptions Options, CaseLimits Limits, Grading? Grading = null) : Command
{
    /// Null only for media hashes (AddMedia), whose match key is their canonical key.
    public IdentifierPseudonym? Pseudonyms { get; init; }

    public static AddSuspectIdentifier From(AddSuspectIdentifierRequest request, Caller caller, CaseTarget target, CorrelationOptions options, CaseLimits limits,
        IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var raw = IdentifierMapping.RawOf(request.Identifier);
        return new AddSuspectIdentifier(raw, options, limits, GradingMapping.Of(request.Grading))
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target, Pseudonyms = pseudonyms,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    // Canonicalised against the case's country (a national phone format means that country's numbers), and
    // remembered: the keys to lock and the decision both need it, and canonicalising is not free.
    private (string Country, CanonicalIdentifier Identifier)? canonical;

    private CanonicalIdentifier CanonicalFor(CaseFile file)
    {
        if (canonical?.Country != file.OwnerCountry) canonical = (file.OwnerCountry, IdentifierMapping.Canonicalize(Raw, file.OwnerCountry));
        return canonical.Value.Identifier;
    }

    /// What the identifier is matched on: its pseudonym (a media hash: its canonical key).
    internal static string MatchKeyOf(CanonicalIdentifier identifier, IdentifierPseudonym? pseudonyms) =>
        pseudonyms?.MatchKeyOf(identifier) ?? identifier.Key;

    private string MatchKeyFor(CaseFile file) => MatchKeyOf(CanonicalFor(file), Pseudonyms);

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => state is null ? [] : [MatchKeyFor(state)];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("AddSuspectIdentifier seals what it stores: it decides with a subject key ring.");

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        var identifier = CanonicalFor(current);
        var matchKey = MatchKeyFor(current);
        CaseRules.EnsureLeadMayAdd(current, Caller);
        if (index.HoldingOf(current.Id, matchKey) is { } held)
            return new([], ResultOf(current, index, IdentifierMapping.AsHeld(identifier, Raw, held), matchKey, [], Options, Caller.UnitId)) { Subject = held.Subject };
        if (index.ActiveIdentifiersOf(current.Id) >= Limits.MaxActiveIdentifiers)
            throw CaseLimitReached.Identifiers(current.Id, Limits.MaxActiveIdentifiers);
        var added = SuspectIdentifierAdded.Sealing(current.Id, identifier, matchKey, Raw, Grading, keys);
        var correlations = Correlate(current, identifier.Kind, matchKey, index, Grading, Options);
        // A new identifier's time is the event's, set by the database on commit: GetCase shows it.
        var shown = IdentifierMapping.ToProto(CaseIdentifier.From(added, default, Caller.UnitId, version: 0), keys);
        return new([added, .. correlations], ResultOf(current, index, shown, matchKey, correlations, Options, Caller.UnitId)) { Subject = added.Subject };
    }

    /// Correlations with every other holder; none once the identifier is common (flagged the first time it is), and
    /// none with or for a unit that marked the value not to correlate.
    /// Also used by ReplaceSuspectIdentifier: the correction is correlated like any new identifier.
    internal static IReadOnlyList<IIdentifierEvent> Correlate(CaseFile adding, IdentifierKind kind, string key, LockedIdentifiers index, Grading? grading, CorrelationOptions options)
    {
        if (index.IsCommon(key)) return [];
        var holderCount = index.HolderCount(key, otherThan: adding.Id);
        if (holderCount >= options.CommonThreshold) return [new IdentifierFlaggedCommon(key, holderCount + 1)];
        var others = index.HoldersOf(key).Where(h => h.CaseId != adding.Id).ToList();

        var declined = index.NotToCorrelateBy(key);
        if (declined.Contains(adding.OwnerUnit)) return [];
        var me = CaseParty.Of(adding);
        return others.Where(other => !declined.Contains(other.Unit))
            .Select(other => new CorrelationFound(key, kind, me, other, grading, index.HoldingOf(other.CaseId, key)?.Grading))
            .ToList();
    }

    /// The answer to the unit that added (the owner or a co-lead), by what that unit may see.
    internal static CommandResult ResultOf(CaseFile current, LockedIdentifiers index, SuspectIdentifier identifier, string matchKey, IReadOnlyList<IIdentifierEvent> correlations,
        CorrelationOptions options, string addingUnit) => new()
    {
        Identifier = identifier,
        // What the unit's feed will say, and no more: a value held only by cases it may not see answers exactly like
        // a value nobody holds.
        Correlations = correlations.OfType<CorrelationFound>().Count(found => CaseDisclosure.Of(found.Holding, new Recipient(addingUnit)) != DisclosureLevel.None),
        // Common by the holders the unit may see (its own included), never by hidden ones: otherwise a unit holding a
        // value in enough cases of its own would learn whether a hidden case holds it.
        Common = index.VisibleOtherHolders(matchKey, current.Id) >= options.CommonThreshold,
    };
}
