using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Cases;

public static class CaseVisibility
{
    /// The owner and auditors see everything. A restricted or erased case is shown to no one else, not its co-leads nor the
    /// target of its pending handoff. Otherwise its co-leads see everything too; the target of a handoff still pending,
    /// and a unit invited to co-lead, see the case without its victims, to decide (an invitation shows no more than a
    /// handoff would). Their view ends with the request: answered, cancelled, expired or the case closed; a co-lead's
    /// when it leaves.
    public static CaseView Of(CaseFile file, Caller caller, DateTimeOffset now)
    {
        if (caller.Is(Roles.Auditor) || file.OwnerUnit == caller.UnitId) return CaseView.Full;
        if (file.Restricted || file.IsErased) return CaseView.None;
        if (file.IsLedBy(caller.UnitId)) return CaseView.Full;
        if (file.PendingHandoffAt(now)?.TargetUnit == caller.UnitId) return CaseView.WithoutVictims;
        if (file.PendingInvitationOf(caller.UnitId, now) is not null) return CaseView.WithoutVictims;
        return CaseView.None;
    }
}
