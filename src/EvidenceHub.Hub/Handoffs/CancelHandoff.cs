using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// The owner that asked withdraws its pending request; the target is told the reason.
public sealed record CancelHandoff(Guid HandoffId, string Reason) : SealsCaseText
{
    public static CancelHandoff From(CancelHandoffRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var handoffId = RequestFields.Id(request.HandoffId, "handoff_id");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new CancelHandoff(handoffId, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var handoff = HandoffRules.HandoffOf(current, HandoffId);
        HandoffRules.EnsurePending(handoff, now);
        return new([new HandoffCancelled(current.Id, handoff.HandoffId, Caller.UnitId, handoff.TargetUnit, CaseText.Seal(current, keys, nameof(HandoffCancelled.Reason), Reason))],
            new CommandResult { HandoffId = HandoffId.ToString() });
    }
}
