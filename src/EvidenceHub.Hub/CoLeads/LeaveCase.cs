using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.CoLeads;

/// A co-lead leaves the case, or the owner removes one, or withdraws an invitation not yet answered; from then on that
/// unit sees the case as any other unit would under its policy (GetCase: as a case that does not exist). Ending one's
/// own view is allowed on a closed case too.
public sealed record LeaveCase(string? CoLeadUnit, string Reason) : SealsCaseText
{
    public static LeaveCase From(LeaveCaseRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var unit = RequestFields.Text(request.CoLeadUnit, "co_lead_unit", 64, required: false);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new LeaveCase(unit, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        var leaving = CoLeadUnit ?? Caller.UnitId;
        if (leaving == current.OwnerUnit)
            throw Rejection.InvalidArgument("co_lead_unit", "the owner cannot leave its own case: hand it off, or name the co-lead to remove");
        if (leaving != Caller.UnitId && current.OwnerUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER", $"Only the owning unit may remove a co-lead of case {current.Id}.", current.Id.ToString());
        if (leaving != Caller.UnitId && !current.CoLeads.Contains(leaving) && current.PendingInvitationOf(leaving, now) is not null)
            return new([new CoLeadInvitationWithdrawn(current.Id, leaving, current.OwnerUnit, CaseText.Seal(current, keys, nameof(CoLeadInvitationWithdrawn.Reason), Reason))], new CommandResult());
        if (!current.CoLeads.Contains(leaving))
            throw leaving == Caller.UnitId
                ? Rejection.PermissionDenied("NOT_CO_LEAD", $"{Caller.UnitId} does not co-lead case {current.Id}.", current.Id.ToString())
                : Rejection.NotFound("co-lead", leaving, "co_lead_unit");
        return new([new CoLeadLeft(current.Id, leaving, Caller.UnitId, current.OwnerUnit, CaseText.Seal(current, keys, nameof(CoLeadLeft.Reason), Reason))], new CommandResult());
    }
}
