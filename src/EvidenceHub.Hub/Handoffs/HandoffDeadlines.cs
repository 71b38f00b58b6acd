using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Lifecycle;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Handoffs;

/// Handoff requests past their deadline unanswered, on open cases: the hub records each expiry (ExpireHandoff), and
/// both units are told on their feeds. Until it does, a request past its deadline already reads as expired.
public sealed class HandoffDeadlines(IDocumentStore store, CommandEngine engine, IOptions<TimedWorkOptions> options, ILogger<HandoffDeadlines> logger)
    : ITimedWork
{
    public string Name => "handoff deadlines";

    private sealed record DueHandoff(Guid CaseId, Guid HandoffId, int EscalationLevel);

    public async Task<int> RunDue(DateTimeOffset now, CancellationToken cancellation)
    {
        IReadOnlyList<DueHandoff> due;
        await using (var session = store.QuerySession())
        {
            var files = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(CaseFile)).TableName.QualifiedName;
            due = await session.QueryAsync<DueHandoff>($"""
                SELECT jsonb_build_object('CaseId', c.id, 'HandoffId', h ->> 'HandoffId', 'EscalationLevel', COALESCE(CAST(h ->> 'EscalationLevel' AS int), 0))
                FROM {files} c, jsonb_array_elements(c.data -> 'Handoffs') h
                WHERE c.data ->> 'Status' = 'Open' AND h ->> 'Status' = 'Requested' AND CAST(h ->> 'ExpiresAt' AS timestamptz) <= ?
                ORDER BY CAST(h ->> 'ExpiresAt' AS timestamptz)
                LIMIT ?
                """, cancellation, now, options.Value.MaxPerRound);
        }
        var acted = 0;
        foreach (var handoff in due)
            if (await engine.RunForHub(ExpireHandoff.For(handoff.CaseId, handoff.HandoffId, handoff.EscalationLevel), logger, cancellation)) acted++;
        return acted;
    }
}
