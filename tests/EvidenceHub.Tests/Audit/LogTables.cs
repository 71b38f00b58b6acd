using Npgsql;

namespace EvidenceHub.Tests.Audit;

/// The log's tables as the database holds them, read with plain SQL (such reads leave no access record behind).
public static class LogTables
{
    /// Waits (30 s at most) until the writer has logged every event stored before the call, under a checkpoint signed
    /// for the whole log, and returns the log's size then. The log trails the store by a round, and by longer after
    /// it was damaged: the writer then stops appending until the damage is repaired.
    public static async Task<long> WriterCaughtUp(string connectionString, TimeSpan? within = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        long stored;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(seq_id), 0) FROM evidencehub.mt_events", connection))
            stored = (long)(await command.ExecuteScalarAsync())!;
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            // One statement, so one snapshot: the unlogged events, the log's size and its latest checkpoint agree.
            await using var command = new NpgsqlCommand(
                """
                SELECT (SELECT count(*) FROM evidencehub.mt_events e
                        WHERE e.seq_id <= @stored AND NOT EXISTS (SELECT 1 FROM evidencehub.audit_log_entries l WHERE l.sequence = e.seq_id)),
                       (SELECT coalesce(max(position) + 1, 0) FROM evidencehub.audit_log_entries),
                       (SELECT coalesce(max(tree_size), 0) FROM evidencehub.audit_log_checkpoints)
                """, connection);
            command.Parameters.AddWithValue("stored", stored);
            long unlogged, size, signed;
            await using (var row = await command.ExecuteReaderAsync())
            {
                await row.ReadAsync();
                (unlogged, size, signed) = (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2));
            }
            if (unlogged == 0 && signed == size) return size;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"the log writer has not caught up: {unlogged} events stored up to sequence {stored} are not logged; the log holds {size} entries, the latest checkpoint covers {signed}");
            await Task.Delay(100);
        }
    }
}
