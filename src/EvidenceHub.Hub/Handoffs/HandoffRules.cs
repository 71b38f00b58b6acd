using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Handoffs;

/// requested → accepted / declined / cancelled, or expired once its deadline passes unanswered. A case has at most
/// one pending handoff; only its target answers it, only the requesting owner cancels it.
public static class HandoffRules
{
    public static CaseHandoff HandoffOf(CaseFile current, Guid handoffId) =>
        current.Handoffs.FirstOrDefault(h => h.HandoffId == handoffId) ?? throw Rejection.NotFound("handoff", handoffId.ToString(), "handoff_id");

    /// The handoff its target answers: still pending, on a case still open.
    public static CaseHandoff PendingForTarget(CaseFile current, Caller caller, Guid handoffId, DateTimeOffset now)
    {
        var handoff = HandoffOf(current, handoffId);
        if (handoff.TargetUnit != caller.UnitId)
            throw Rejection.PermissionDenied("NOT_HANDOFF_TARGET",
                $"Only the target unit ({handoff.TargetUnit}) may answer handoff {handoffId}.", handoffId.ToString());
        CaseRules.EnsureOpen(current);
        EnsurePending(handoff, now);
        return handoff;
    }

    public static void EnsurePending(CaseHandoff handoff, DateTimeOffset now)
    {
        var status = handoff.StatusAt(now);
        if (status != HandoffStatus.Requested)
            throw Rejection.FailedPrecondition(status == HandoffStatus.Expired ? "HANDOFF_EXPIRED" : "HANDOFF_ALREADY_ANSWERED",
                $"Handoff {handoff.HandoffId} was already {status.ToString().ToLowerInvariant()}.", ("handoff_id", handoff.HandoffId.ToString()));
    }
}
