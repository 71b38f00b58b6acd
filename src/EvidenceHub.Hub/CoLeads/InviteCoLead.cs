using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.CoLeads;

/// The owner asks another unit to join its case as co-lead, without handing it over. Until the invited unit answers
/// (for HandoffOptions.PendingFor, like a handoff) it sees what a handoff's target sees, and no more.
public sealed record InviteCoLead(UnitRegistration Invited, string Reason, TimeSpan PendingFor) : SealsCaseText
{
    public static InviteCoLead From(InviteCoLeadRequest request, Caller caller, CaseTarget target, UnitRegistry units, HandoffOptions options)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var unitId = RequestFields.RequiredText(request.CoLeadUnit, "co_lead_unit", 64);
        var unit = units.Find(unitId) ?? throw Rejection.NotFound("unit", unitId, "co_lead_unit");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new InviteCoLead(unit, reason, options.PendingFor)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        if (Invited.Id == Caller.UnitId)
            throw Rejection.InvalidArgument("co_lead_unit", "the owner already leads its case");
        if (!Invited.Roles.Contains(Roles.Unit))
            throw Rejection.InvalidArgument("co_lead_unit", $"unit '{Invited.Id}' cannot lead cases (it has no '{Roles.Unit}' role)");
        if (current.CoLeads.Contains(Invited.Id))
            throw Rejection.FailedPrecondition("ALREADY_CO_LEAD", $"{Invited.Id} already co-leads case {current.Id}.", ("co_lead_unit", Invited.Id));
        if (current.PendingInvitationOf(Invited.Id, now) is not null)
            throw Rejection.FailedPrecondition("CO_LEAD_INVITATION_OPEN", $"{Invited.Id} was already invited to co-lead case {current.Id}.", ("co_lead_unit", Invited.Id));
        return new([new CoLeadInvited(current.Id, Caller.UnitId, Invited.Id, CaseText.Seal(current, keys, nameof(CoLeadInvited.Reason), Reason), now + PendingFor)], new CommandResult());
    }
}
