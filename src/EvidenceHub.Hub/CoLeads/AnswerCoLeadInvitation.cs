using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.CoLeads;

public enum CoLeadAnswerChoice { Accept = 1, Decline = 2 }

/// The invited unit accepts (it joins as co-lead) or declines (with a reason told to the owner) its pending
/// invitation. A unit has at most one pending invitation per case, so the case names it.
public sealed record AnswerCoLeadInvitation(CoLeadAnswerChoice Answer, string? Reason) : SealsCaseText
{
    public static AnswerCoLeadInvitation From(AnswerCoLeadInvitationRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var answer = RequestFields.Enum<CoLeadAnswerChoice>((int)request.Answer, "answer");
        var reason = RequestFields.Text(request.Reason, "reason", RequestFields.MaxReasonLength, required: answer == CoLeadAnswerChoice.Decline);
        return new AnswerCoLeadInvitation(answer, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOpen(current);
        if (current.PendingInvitationOf(Caller.UnitId, now) is null)
            throw current.CoLeads.Contains(Caller.UnitId)
                ? Rejection.FailedPrecondition("ALREADY_CO_LEAD", $"{Caller.UnitId} already co-leads case {current.Id}.", ("case_id", current.Id.ToString()))
                : Rejection.PermissionDenied("NOT_INVITED", $"Only a unit invited to co-lead case {current.Id} may answer.", current.Id.ToString());
        object answered = Answer == CoLeadAnswerChoice.Accept
            ? new CoLeadJoined(current.Id, Caller.UnitId, current.OwnerUnit)
            : new CoLeadInvitationDeclined(current.Id, Caller.UnitId, current.OwnerUnit, CaseText.Seal(current, keys, nameof(CoLeadInvitationDeclined.Reason), Reason!));
        return new([answered], new CommandResult());
    }
}
