using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// The target of a pending handoff refuses it, with a reason; the case stays with its owner.
public sealed record DeclineHandoff(Guid HandoffId, string Reason) : SealsCaseText
{
    public static DeclineHandoff From(DeclineHandoffRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var handoffId = RequestFields.Id(request.HandoffId, "handoff_id");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new DeclineHandoff(handoffId, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        var handoff = HandoffRules.PendingForTarget(current, Caller, HandoffId, now);
        return new([new HandoffDeclined(current.Id, handoff.HandoffId, handoff.FromUnit, Caller.UnitId, CaseText.Seal(current, keys, nameof(HandoffDeclined.Reason), Reason))],
            new CommandResult { HandoffId = HandoffId.ToString() });
    }
}
