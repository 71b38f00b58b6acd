using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// requested → accepted / declined. A case has at most one open handoff; only its target answers it.
public static class HandoffDecisions
{
    public static IReadOnlyList<object> Request(CaseFile current, Caller caller, UnitRegistration target, string reason, Guid newHandoffId)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        if (target.Id == caller.UnitId)
            throw Rejection.InvalidArgument("target_unit", "a unit cannot hand a case off to itself");
        if (!target.Roles.Contains(Roles.Unit))
            throw Rejection.InvalidArgument("target_unit", $"unit '{target.Id}' cannot lead cases (it has no '{Roles.Unit}' role)");
        if (current.OpenHandoff is { } open)
            throw Rejection.FailedPrecondition("HANDOFF_ALREADY_OPEN",
                $"Case {current.Id} already has an open handoff ({open.HandoffId}) to {open.TargetUnit}.", ("handoff_id", open.HandoffId.ToString()));
        return [new HandoffRequested(current.Id, newHandoffId, caller.UnitId, target.Id, reason)];
    }

    public static IReadOnlyList<object> Accept(CaseFile current, Caller caller, Guid handoffId)
    {
        var handoff = OpenHandoffForTarget(current, caller, handoffId);
        return [new HandoffAccepted(current.Id, handoff.HandoffId, handoff.FromUnit, caller.UnitId, caller.Country)];
    }

    public static IReadOnlyList<object> Decline(CaseFile current, Caller caller, Guid handoffId, string reason)
    {
        var handoff = OpenHandoffForTarget(current, caller, handoffId);
        return [new HandoffDeclined(current.Id, handoff.HandoffId, handoff.FromUnit, caller.UnitId, reason)];
    }

    private static CaseHandoff OpenHandoffForTarget(CaseFile current, Caller caller, Guid handoffId)
    {
        var handoff = current.Handoffs.FirstOrDefault(h => h.HandoffId == handoffId)
                      ?? throw Rejection.NotFound("handoff", handoffId.ToString(), "handoff_id");
        if (handoff.TargetUnit != caller.UnitId)
            throw Rejection.PermissionDenied("NOT_HANDOFF_TARGET",
                $"Only the target unit ({handoff.TargetUnit}) may answer handoff {handoffId}.", handoffId.ToString());
        CaseDecisions.EnsureOpen(current);
        if (handoff.Status != HandoffStatus.Requested)
            throw Rejection.FailedPrecondition("HANDOFF_ALREADY_ANSWERED",
                $"Handoff {handoffId} was already {handoff.Status.ToString().ToLowerInvariant()}.", ("handoff_id", handoffId.ToString()));
        return handoff;
    }
}
