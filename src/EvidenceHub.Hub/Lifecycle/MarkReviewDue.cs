using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Lifecycle;

/// The hub tells the owner that its case's review falls due: once per review date, Retention:NoticeBefore ahead.
public sealed record MarkReviewDue(DateTimeOffset LastChangeAt, RetentionOptions Retention)
    : HubCommand
{
    public DateTimeOffset ReviewDueAt => Retention.DueAfter(LastChangeAt);

    public static MarkReviewDue For(Guid caseId, DateTimeOffset lastChangeAt, RetentionOptions retention)
    {
        var due = retention.DueAfter(lastChangeAt);
        return new MarkReviewDue(lastChangeAt, retention)
        {
            CommandId = $"review-due/{caseId}/{due:O}", Caller = HubCaller.Instance, Request = HubCaller.RequestFor($"review-due/{caseId}/{due:O}"),
            Case = new CaseTarget(caseId, null),
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = ExistingForHub(state);
        ReviewRules.EnsureUnchangedSince(current, LastChangeAt);
        if (now < ReviewDueAt - Retention.NoticeBefore)
            throw Rejection.FailedPrecondition("REVIEW_NOT_DUE", $"Case {current.Id} is not due for review before {ReviewDueAt:O}.");
        return new([new CaseReviewDue(current.Id, current.OwnerUnit, LastChangeAt, ReviewDueAt)], new CommandResult());
    }
}

/// The hub finds a case past its review date unreviewed: it records that, with the configured action's events.
public sealed record MarkReviewOverdue(DateTimeOffset LastChangeAt, RetentionOptions Retention, IOverdueCaseAction? Action)
    : HubCommand
{
    public DateTimeOffset ReviewDueAt => Retention.DueAfter(LastChangeAt);

    public static MarkReviewOverdue For(Guid caseId, DateTimeOffset lastChangeAt, RetentionOptions retention, IOverdueCaseAction? action)
    {
        var due = retention.DueAfter(lastChangeAt);
        return new MarkReviewOverdue(lastChangeAt, retention, action)
        {
            CommandId = $"review-overdue/{caseId}/{due:O}", Caller = HubCaller.Instance, Request = HubCaller.RequestFor($"review-overdue/{caseId}/{due:O}"),
            Case = new CaseTarget(caseId, null),
        };
    }

    /// An action may touch every identifier of the case (restricting it tells every unit correlated with it), and seals
    /// its reason under the case subject.
    public override bool LocksEveryIdentifierOfItsCase => Action is not null;

    public override bool ReadsSealedFields => Action is not null;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) => Decide(state, index, new Erasure.SubjectKeyRing(), now);

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, Erasure.SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = ExistingForHub(state);
        ReviewRules.EnsureUnchangedSince(current, LastChangeAt);
        if (now < ReviewDueAt)
            throw Rejection.FailedPrecondition("REVIEW_NOT_DUE", $"Case {current.Id} is not due for review before {ReviewDueAt:O}.");
        var acting = Action?.EventsFor(current, index, keys, now) ?? [];
        return new([new CaseReviewOverdue(current.Id, current.OwnerUnit, LastChangeAt, ReviewDueAt, Retention.OverdueAction, Action is not null), .. acting],
            new CommandResult());
    }
}

public static class ReviewRules
{
    /// The file's part of a case's last change (ReviewSchedule adds its identifiers): the last change a unit made, or
    /// its last review.
    public static DateTimeOffset LastChange(CaseFile file) =>
        file.LastReviewedAt is { } reviewed && reviewed > file.UpdatedAt ? reviewed : file.UpdatedAt;

    /// When the case falls due for review, given its last change overall (the file's, or a later identifier's).
    /// In whole microseconds, as PostgreSQL keeps times: GetCase (from the snapshot) and GetCaseAsOf (from the events)
    /// then say the same date.
    public static DateTimeOffset DueAt(CaseFile file, CaseRevision revision, RetentionOptions retention)
    {
        var last = LastChange(file);
        var due = retention.DueAfter(revision.UpdatedAt > last ? revision.UpdatedAt : last);
        return due.AddTicks(-(due.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    /// The hub found the case due on the last change it read; a review or change since (the owner was quicker) wins.
    /// The stored time may be finer than PostgreSQL's microseconds, in which the hub read it.
    public static void EnsureUnchangedSince(CaseFile current, DateTimeOffset lastChangeAt)
    {
        if (LastChange(current) > lastChangeAt + TimeSpan.FromMicroseconds(1))
            throw Rejection.FailedPrecondition("REVIEW_NOT_DUE", $"Case {current.Id} changed or was reviewed after {lastChangeAt:O}.");
    }
}
