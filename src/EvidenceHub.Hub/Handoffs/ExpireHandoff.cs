using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using HandoffStatus = EvidenceHub.Hub.Cases.HandoffStatus;
using EvidenceHub.Hub.Lifecycle;

namespace EvidenceHub.Hub.Handoffs;

/// The hub records that a handoff request passed its deadline unanswered (HandoffDeadlines runs it): both units are
/// told. One command id per handoff and escalation level, so each deadline is recorded once.
public sealed record ExpireHandoff(Guid HandoffId, int EscalationLevel) : HubCommand
{
    public static ExpireHandoff For(Guid caseId, Guid handoffId, int escalationLevel)
    {
        var commandId = $"expire/{handoffId}/{escalationLevel}";
        return new ExpireHandoff(handoffId, escalationLevel)
        {
            CommandId = commandId, Caller = HubCaller.Instance, Request = HubCaller.RequestFor(commandId), Case = new CaseTarget(caseId, null),
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = ExistingForHub(state);
        CaseRules.EnsureOpen(current);
        var handoff = HandoffRules.HandoffOf(current, HandoffId);
        // Answered, cancelled or escalated again since the hub found it due: nothing has expired.
        if (handoff.Status != HandoffStatus.Requested || handoff.EscalationLevel != EscalationLevel || handoff.StatusAt(now) != HandoffStatus.Expired)
            throw Rejection.FailedPrecondition("HANDOFF_NOT_EXPIRED", $"Handoff {HandoffId} is not an unanswered request past its deadline.",
                ("handoff_id", HandoffId.ToString()));
        return new([new HandoffExpired(current.Id, HandoffId, handoff.FromUnit, handoff.TargetUnit, handoff.ExpiresAt, EscalationLevel)],
            new CommandResult { HandoffId = HandoffId.ToString() });
    }
}
