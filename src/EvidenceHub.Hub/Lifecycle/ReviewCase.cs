using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Lifecycle;

/// The owner reviews its case, with a note saying why the data is still needed: the review date moves to
/// Retention:ReviewAfter from now. A closed case is reviewed too: retention is about the data it still holds.
public sealed record ReviewCase(string Note) : SealsCaseText
{
    public static ReviewCase From(ReviewCaseRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var note = RequestFields.RequiredText(request.Note, "note", RequestFields.MaxReasonLength);
        return new ReviewCase(note)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        if (current.OwnerUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER", $"Only the owning unit may review case {current.Id}.", current.Id.ToString());
        return new([new CaseReviewed(current.Id, Caller.UnitId, CaseText.Seal(current, keys, nameof(CaseReviewed.Note), Note), now)], new CommandResult());
    }
}
