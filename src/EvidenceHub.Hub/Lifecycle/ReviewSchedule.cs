using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identifiers;
using Marten;

namespace EvidenceHub.Hub.Lifecycle;

/// A case as the review schedule sees it: its last change (the last change a unit made to the file, its last review,
/// or its last identifier added, whichever is latest; ReviewRules.LastChange is the file's part) and what the hub already did about the review it makes due.
public sealed record ScheduledReview(
    Guid CaseId, string OwnerUnit, string Reference, CaseStatus Status, DateTimeOffset LastChangeAt,
    DateTimeOffset? ReviewNoticeBasis, DateTimeOffset? OverdueBasis, DateTimeOffset? OverdueMarkedAt)
{
    public bool MarkedOverdue => OverdueBasis is { } basis && Math.Abs((basis - LastChangeAt).Ticks) < TimeSpan.TicksPerMicrosecond;
}

/// Finds cases by their last change, oldest first: those due for a notice, overdue, or listed for auditors. An erased
/// case is none of these: nothing of it is kept to review.
public sealed class ReviewSchedule(IDocumentStore store)
{
    public enum Leaving { Nothing, Noticed, MarkedOverdue }

    /// Cases last changed at or before `changedBy`, after the given (last change, case id) in that order, leaving out
    /// those the hub already told (Noticed) or marked overdue (MarkedOverdue) for their current last change.
    public async Task<IReadOnlyList<ScheduledReview>> ChangedBy(DateTimeOffset changedBy, Leaving leaving, (DateTimeOffset At, Guid CaseId)? after, int limit,
        CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var files = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(CaseFile)).TableName.QualifiedName;
        var holdings = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(IdentifierHolding)).TableName.QualifiedName;
        var left = leaving switch
        {
            Leaving.Noticed => "AND (c.data ->> 'ReviewNoticeBasis' IS NULL OR CAST(c.data ->> 'ReviewNoticeBasis' AS timestamptz) <> l.at)",
            Leaving.MarkedOverdue => "AND (c.data ->> 'OverdueBasis' IS NULL OR CAST(c.data ->> 'OverdueBasis' AS timestamptz) <> l.at)",
            _ => "",
        };
        var parameters = new List<object> { changedBy };
        var page = "";
        if (after is { } key)
        {
            page = "AND (l.at, c.id) > (?, ?)";
            parameters.Add(key.At);
            parameters.Add(key.CaseId);
        }
        parameters.Add(limit);
        // Holdings are indexed by case id; a case's last identifier is one index range read.
        return (await session.QueryAsync<ScheduledReview>($"""
            SELECT jsonb_build_object('CaseId', c.id, 'OwnerUnit', c.data ->> 'OwnerUnit', 'Reference', c.data ->> 'Reference',
                   'Status', c.data ->> 'Status', 'LastChangeAt', l.at, 'ReviewNoticeBasis', c.data -> 'ReviewNoticeBasis',
                   'OverdueBasis', c.data -> 'OverdueBasis', 'OverdueMarkedAt', c.data -> 'OverdueMarkedAt')
            FROM {files} c,
                 LATERAL (SELECT greatest(CAST(c.data ->> 'UpdatedAt' AS timestamptz), CAST(c.data ->> 'LastReviewedAt' AS timestamptz),
                                          (SELECT max(CAST(h.data ->> 'AddedAt' AS timestamptz)) FROM {holdings} h
                                           WHERE CAST(h.data ->> 'CaseId' AS uuid) = c.id)) AS at) l
            WHERE l.at <= ? AND c.data ->> 'ErasedAt' IS NULL {left} {page}
            ORDER BY l.at, c.id
            LIMIT ?
            """, cancellation, [.. parameters])).ToList();
    }
}
