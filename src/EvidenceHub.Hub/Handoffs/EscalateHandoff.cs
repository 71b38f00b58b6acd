using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using HandoffStatus = EvidenceHub.Hub.Cases.HandoffStatus;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// The requesting owner asks again after its handoff expired unanswered (Prüm II style follow-up): the same handoff
/// is pending again for Handoffs:PendingFor, one escalation level higher, and the target is told it is an escalation
/// (its client routes that to a supervisor). At most Handoffs:MaxEscalations times.
public sealed record EscalateHandoff(Guid HandoffId, string Note, TimeSpan PendingFor, int MaxEscalations) : SealsCaseText
{
    public static EscalateHandoff From(EscalateHandoffRequest request, Caller caller, CaseTarget target, HandoffOptions options)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var handoffId = RequestFields.Id(request.HandoffId, "handoff_id");
        var note = RequestFields.RequiredText(request.Note, "note", RequestFields.MaxReasonLength);
        return new EscalateHandoff(handoffId, note, options.PendingFor, options.MaxEscalations)
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
        if (handoff.FromUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_HANDOFF_REQUESTER", $"Only the unit that asked ({handoff.FromUnit}) may escalate handoff {HandoffId}.", HandoffId.ToString());
        var status = handoff.StatusAt(now);
        if (status != HandoffStatus.Expired)
            throw Rejection.FailedPrecondition(status == HandoffStatus.Requested ? "HANDOFF_STILL_PENDING" : "HANDOFF_ALREADY_ANSWERED",
                $"Only an expired handoff can be escalated; handoff {HandoffId} is {status.ToString().ToLowerInvariant()}.", ("handoff_id", HandoffId.ToString()));
        if (current.PendingHandoffAt(now) is { } open)
            throw Rejection.FailedPrecondition("HANDOFF_ALREADY_OPEN",
                $"Case {current.Id} already has an open handoff ({open.HandoffId}) to {open.TargetUnit}.", ("handoff_id", open.HandoffId.ToString()));
        if (handoff.EscalationLevel >= MaxEscalations)
            throw Rejection.FailedPrecondition("ESCALATIONS_EXHAUSTED",
                $"Handoff {HandoffId} was escalated {handoff.EscalationLevel} times, the most allowed (Handoffs:MaxEscalations).", ("handoff_id", HandoffId.ToString()));
        return new([new HandoffEscalated(current.Id, HandoffId, Caller.UnitId, handoff.TargetUnit, handoff.EscalationLevel + 1, CaseText.Seal(current, keys, nameof(HandoffEscalated.Note), Note), now + PendingFor)],
            new CommandResult { HandoffId = HandoffId.ToString() });
    }
}
