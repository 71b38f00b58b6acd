using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Lifecycle;

/// The owner reviewed the case (EIS-style retention review): the next review falls Retention:ReviewAfter after
/// ReviewedAt, the hub's time when it decided (the same time its deadlines are judged by).
public sealed record CaseReviewed(Guid CaseId, string ReviewedByUnit, Sealed Note, DateTimeOffset ReviewedAt) : ICaseEvent;

/// The hub told the owner that the case's review falls due at ReviewDueAt, counted from LastChangeAt (the last change
/// a unit made, identifiers included, or the last review).
public sealed record CaseReviewDue(Guid CaseId, string OwnerUnit, DateTimeOffset LastChangeAt, DateTimeOffset ReviewDueAt) : ICaseEvent;

/// The hub found the case past its review date unreviewed and took the configured action (Retention:OverdueAction);
/// ActionApplied is false while the hub has no implementation of that action, and the case is only marked.
public sealed record CaseReviewOverdue(Guid CaseId, string OwnerUnit, DateTimeOffset LastChangeAt, DateTimeOffset ReviewDueAt, OverdueAction Action, bool ActionApplied) : ICaseEvent;
