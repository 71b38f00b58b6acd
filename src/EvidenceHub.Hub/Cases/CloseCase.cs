using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Cases;

/// The owner closes its case: it takes no more changes, and any pending handoff ends with it.
public sealed record CloseCase(string Reason) : SealsCaseText
{
    public static CloseCase From(CloseCaseRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new CloseCase(reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        return new([new CaseClosed(current.Id, CaseText.Seal(current, keys, nameof(CaseClosed.Reason), Reason))], new CommandResult());
    }
}
