using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Cases;

public static class CaseVisibility
{
    /// The owner and auditors see everything; the target of a handoff still pending sees the case without its
    /// victims, to decide. Its view ends with the handoff: answered, cancelled, expired or the case closed.
    public static CaseView Of(CaseFile file, Caller caller, DateTimeOffset now)
    {
        if (caller.Is(Roles.Auditor) || file.OwnerUnit == caller.UnitId) return CaseView.Full;
        // A restricted case is shown to no one else, not even the target of its pending handoff.
        if (file.Restricted) return CaseView.None;
        if (file.PendingHandoffAt(now)?.TargetUnit == caller.UnitId) return CaseView.WithoutVictims;
        return CaseView.None;
    }
}
