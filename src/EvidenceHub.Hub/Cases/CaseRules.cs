using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Cases;

/// The rule every change obeys: only the owning unit changes an open case.
public static class CaseRules
{
    public static void EnsureOwnerMayChange(CaseFile current, Caller caller)
    {
        if (current.OwnerUnit != caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER",
                $"Only the owning unit may change case {current.Id}.", current.Id.ToString());
        EnsureOpen(current);
        EnsureNotRestricted(current);
    }

    /// A restricted case is kept as evidence, as it stands: it takes no changes until the restriction is lifted.
    public static void EnsureNotRestricted(CaseFile current)
    {
        if (current.Restricted)
            throw Rejection.FailedPrecondition("CASE_RESTRICTED", $"Case {current.Id} is restricted and takes no changes until the restriction is lifted.",
                ("case_id", current.Id.ToString()));
    }

    /// Identifiers and victim links: the owner and its co-leads add them to an open case that is not restricted
    /// (refused with the reason clients already know for a unit that is neither).
    public static void EnsureLeadMayAdd(CaseFile current, Caller caller)
    {
        if (!current.IsLedBy(caller.UnitId))
            throw Rejection.PermissionDenied("NOT_CASE_OWNER",
                $"Only the owning unit and its co-leads may add to case {current.Id}.", current.Id.ToString());
        EnsureOpen(current);
        EnsureNotRestricted(current);
    }

    /// An erased victim link is only a marker that a link was there: it takes no corrections, gradings or restrictions.
    public static CaseVictim EnsureNotErased(CaseVictim victim)
    {
        if (victim.IsErased)
            throw Rejection.FailedPrecondition("VICTIM_LINK_ERASED", $"Victim link {victim.VictimLinkId} was erased and takes no more changes.",
                ("victim_link_id", victim.VictimLinkId.ToString()));
        return victim;
    }

    public static void EnsureOpen(CaseFile current)
    {
        if (current.Status == CaseStatus.Closed)
            throw Rejection.FailedPrecondition("CASE_CLOSED", $"Case {current.Id} is closed and takes no more changes.",
                ("case_id", current.Id.ToString()));
    }
}
