using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// requested → accepted / declined / cancelled, or expired once its deadline passes unanswered. A case has at most
/// one pending handoff; only its target answers it, only the requesting owner cancels it.
public static class HandoffDecisions
{
    public static IReadOnlyList<object> Request(CaseFile current, Caller caller, UnitRegistration target, string reason, Guid newHandoffId,
        DateTimeOffset now, HandoffOptions options)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        if (target.Id == caller.UnitId)
            throw Rejection.InvalidArgument("target_unit", "a unit cannot hand a case off to itself");
        if (!target.Roles.Contains(Roles.Unit))
            throw Rejection.InvalidArgument("target_unit", $"unit '{target.Id}' cannot lead cases (it has no '{Roles.Unit}' role)");
        if (current.PendingHandoffAt(now) is { } open)
            throw Rejection.FailedPrecondition("HANDOFF_ALREADY_OPEN",
                $"Case {current.Id} already has an open handoff ({open.HandoffId}) to {open.TargetUnit}.", ("handoff_id", open.HandoffId.ToString()));
        return [new HandoffRequested(current.Id, newHandoffId, caller.UnitId, target.Id, reason, now + options.PendingFor)];
    }

    public static IReadOnlyList<object> Accept(CaseFile current, Caller caller, Guid handoffId, DateTimeOffset now)
    {
        var handoff = PendingHandoffForTarget(current, caller, handoffId, now);
        return [new HandoffAccepted(current.Id, handoff.HandoffId, handoff.FromUnit, caller.UnitId, caller.Country)];
    }

    public static IReadOnlyList<object> Decline(CaseFile current, Caller caller, Guid handoffId, string reason, DateTimeOffset now)
    {
        var handoff = PendingHandoffForTarget(current, caller, handoffId, now);
        return [new HandoffDeclined(current.Id, handoff.HandoffId, handoff.FromUnit, caller.UnitId, reason)];
    }

    /// The owner that asked withdraws its request; the target is told.
    public static IReadOnlyList<object> Cancel(CaseFile current, Caller caller, Guid handoffId, string reason, DateTimeOffset now)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        var handoff = current.Handoffs.FirstOrDefault(h => h.HandoffId == handoffId)
                      ?? throw Rejection.NotFound("handoff", handoffId.ToString(), "handoff_id");
        EnsurePending(handoff, now);
        return [new HandoffCancelled(current.Id, handoff.HandoffId, caller.UnitId, handoff.TargetUnit, reason)];
    }

    private static CaseHandoff PendingHandoffForTarget(CaseFile current, Caller caller, Guid handoffId, DateTimeOffset now)
    {
        var handoff = current.Handoffs.FirstOrDefault(h => h.HandoffId == handoffId)
                      ?? throw Rejection.NotFound("handoff", handoffId.ToString(), "handoff_id");
        if (handoff.TargetUnit != caller.UnitId)
            throw Rejection.PermissionDenied("NOT_HANDOFF_TARGET",
                $"Only the target unit ({handoff.TargetUnit}) may answer handoff {handoffId}.", handoffId.ToString());
        CaseDecisions.EnsureOpen(current);
        EnsurePending(handoff, now);
        return handoff;
    }

    private static void EnsurePending(CaseHandoff handoff, DateTimeOffset now)
    {
        var status = handoff.StatusAt(now);
        if (status != HandoffStatus.Requested)
            throw Rejection.FailedPrecondition(status == HandoffStatus.Expired ? "HANDOFF_EXPIRED" : "HANDOFF_ALREADY_ANSWERED",
                $"Handoff {handoff.HandoffId} was already {status.ToString().ToLowerInvariant()}.", ("handoff_id", handoff.HandoffId.ToString()));
    }
}
