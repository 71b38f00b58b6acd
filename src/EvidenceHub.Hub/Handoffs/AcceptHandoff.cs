using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// The target of a pending handoff takes the case over: the lead moves to it.
public sealed record AcceptHandoff(Guid HandoffId) : Command
{
    public static AcceptHandoff From(AcceptHandoffRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var handoffId = RequestFields.Id(request.HandoffId, "handoff_id");
        return new AcceptHandoff(handoffId)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        var handoff = HandoffRules.PendingForTarget(current, Caller, HandoffId, now);
        return new([new HandoffAccepted(current.Id, handoff.HandoffId, handoff.FromUnit, Caller.UnitId, Caller.Country)],
            new CommandResult { HandoffId = HandoffId.ToString() });
    }
}
