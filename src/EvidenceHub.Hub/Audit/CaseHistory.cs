using System.Runtime.CompilerServices;
using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// A case's events in stream order, exactly as stored (ReplayCase): paged by stream version, one page in memory at a
/// time whatever the case's length. Who may read them is CaseReader.History's decision.
public sealed class CaseHistory(AuditDatabase database)
{
    public const int PageSize = 1000;

    /// The events after version after, up to and including version last.
    public async IAsyncEnumerable<IReadOnlyList<HistoryEvent>> Pages(Guid caseId, long after, long last, [EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var connection = await database.Open(cancellation);
        while (after < last)
        {
            var page = new List<HistoryEvent>(PageSize);
            await using (var command = new NpgsqlCommand(
                $"""
                SELECT {StoredEvent.Columns}, l.position, l.leaf_hash
                FROM {AuditSchema.Events} e LEFT JOIN {AuditSchema.Entries} l ON l.sequence = e.seq_id
                WHERE e.stream_id = @id AND e.version > @after AND e.version <= @last
                ORDER BY e.version LIMIT @page
                """, connection))
            {
                command.Parameters.AddWithValue("id", caseId);
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("last", last);
                command.Parameters.AddWithValue("page", PageSize);
                await using var rows = await command.ExecuteReaderAsync(cancellation);
                while (await rows.ReadAsync(cancellation))
                {
                    var logged = !rows.IsDBNull(StoredEvent.ColumnCount);
                    page.Add(new HistoryEvent(StoredEvent.Read(rows),
                        logged ? rows.GetInt64(StoredEvent.ColumnCount) : null,
                        logged ? rows.GetFieldValue<byte[]>(StoredEvent.ColumnCount + 1) : null));
                }
            }
            if (page.Count == 0) yield break;
            yield return page;
            after = page[^1].Event.Version;
        }
    }
}
