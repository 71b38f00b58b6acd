using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Correlation;

/// A unit names a value it knows to be meaningless (a decoy, a police number): its cases no longer correlate on it.
/// Kept in the identifier's own stream, not in a case: the mark is the unit's, whatever case holds the value.
public sealed record MarkNotToCorrelate(string Key, string Reason) : Command
{
    /// Canonicalised against the unit's own country: it names the value as the unit's reports would.
    public static MarkNotToCorrelate From(MarkNotToCorrelateRequest request, Caller caller, Erasure.IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var key = pseudonyms.MatchKeyOf(IdentifierMapping.Canonicalize(IdentifierMapping.RawOf(request.Identifier), caller.Country));
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new MarkNotToCorrelate(key, reason) { CommandId = commandId, Caller = caller, Request = request };
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => [Key];

    /// Marking a value twice is one mark.
    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) => new(
        index.NotToCorrelateBy(Key).Contains(Caller.UnitId) ? [] : [new IdentifierMarkedNotToCorrelate(Key, Caller.UnitId, Reason)],
        new MarkNotToCorrelateResult { IdentifierKey = Key });
}
