using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Identifiers;

/// The owner withdraws an identifier added by mistake (a co-lead only one its unit added): every unit told of a correlation on it through this case is
/// told of the retraction (LED Art. 7(3)). The request names the identifier by its key or its pseudonym; the index
/// knows it by its match key (Key). The reason is sealed under the holding's subject in the case's history.
public sealed record RetractSuspectIdentifier(string Key, string Reason) : Command
{
    public static RetractSuspectIdentifier From(RetractSuspectIdentifierRequest request, Caller caller, CaseTarget target, IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var key = pseudonyms.MatchKeyOf(RequestFields.RequiredText(request.IdentifierKey, "identifier_key", RequestFields.MaxIdentifierKeyLength));
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new RetractSuspectIdentifier(key, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => [Key];

    /// The reason is sealed under the holding's subject: its key is loaded with the case.
    public override bool ReadsSealedFields => true;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("RetractSuspectIdentifier seals its reason: it decides with the case's subject keys.");

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureLeadMayAdd(current, Caller);
        var held = index.HoldingOf(current.Id, Key) ?? throw Rejection.NotFound("identifier", Key, "identifier_key");
        Media.ImportedMedia.EnsureNotImported(held);
        if (current.OwnerUnit != Caller.UnitId && held.AddedByUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_OWN_IDENTIFIER", $"A co-lead retracts only the identifiers its unit added to case {current.Id}.", Key);
        var retracted = new SuspectIdentifierRetracted(current.Id, Key, SealedReason(keys, held, Reason), held.ToCaseIdentifier());
        return new(Retraction(current, index, keys) is { } retraction ? [retracted, retraction] : [retracted], new CommandResult()) { Subject = held.Subject };
    }

    /// The owner's reason, sealed under the holding's subject (it is about that identifier).
    internal static Sealed SealedReason(SubjectKeyRing keys, IdentifierHolding held, string reason) =>
        keys.Seal(held.Subject, nameof(SuspectIdentifierRetracted.Reason), reason);

    /// Everyone told of a correlation on the identifier through this case: the other cases, each reached at its
    /// owner now (a handoff since the correlation moved it), not at the unit that held it then. The reason they are
    /// told is sealed under the case subject: it goes with the case.
    private CorrelationRetracted? Retraction(CaseFile retracting, LockedIdentifiers index, SubjectKeyRing keys)
    {
        var recipients = index.ToldThrough(Key, retracting.Id);
        return recipients.Count == 0 ? null : new CorrelationRetracted(Key, CaseParty.Of(retracting), ToldReason(retracting, keys, Reason), recipients);
    }

    /// The reason other units are told of a retraction or a correction, sealed under the retracting case's subject.
    internal static Sealed ToldReason(CaseFile retracting, SubjectKeyRing keys, string reason) =>
        CaseText.Seal(retracting, keys, nameof(CorrelationRetracted.Reason), reason);
}
