using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceHub.Tests.Audit;

/// The log's order under concurrency: several hub instances writing at once, and a transaction that took its
/// sequence number early but committed late. A hub of its own, so the counts below are this class's.
public sealed class LogOrderTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Two_hub_instances_writing_at_once_keep_one_log_with_every_event_once_and_every_checkpoint_valid()
    {
        await using var second = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(hub.Database, hub.Pki)) host.UseSetting(key, value);
            host.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientCertificate>());
        });
        var secondCases = new CaseService.CaseServiceClient(GrpcChannel.ForAddress(second.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new TestClientCertificate.Presenting(hub.CertificateOf("BE-FCCU"), "analyst", second.Server.CreateHandler()),
        }));
        var firstCases = hub.Cases("NL-TBKK");
        var audit = hub.Audit("EU-AUDIT");
        var signedEarly = await Checkpoints(audit, secondCases, firstCases);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var cases = w % 2 == 0 ? firstCases : secondCases;
            for (var i = 0; i < 25; i++) await cases.OpenedCase();
        })));

        var events = await Count("SELECT count(*) FROM evidencehub.mt_events");
        var latest = await audit.CheckpointCovering(events);
        Assert.Equal(0, await Count(
            """
            SELECT count(*) FROM evidencehub.mt_events e
            WHERE e.seq_id <= (SELECT max(sequence) FROM evidencehub.audit_log_entries)
              AND NOT EXISTS (SELECT 1 FROM evidencehub.audit_log_entries l WHERE l.sequence = e.seq_id)
            """));
        // In one statement: the writer goes on logging (the access records of the calls above) between two statements.
        var (entries, distinctEvents, size) = await Counts(
            "SELECT count(*), count(DISTINCT sequence), coalesce(max(position) + 1, 0) FROM evidencehub.audit_log_entries");
        Assert.True(entries == distinctEvents && entries == size, $"{entries} entries for {distinctEvents} events at positions [0, {size})");

        // Every checkpoint signed before the rush, by whichever instance, is still extended by the latest one.
        foreach (var early in signedEarly)
        {
            var proof = await audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = AuditClient.Why, FirstSize = early.TreeSize, SecondSize = latest.TreeSize });
            Assert.True(Rfc9162.VerifyConsistency(early.TreeSize, latest.TreeSize, early.RootHash.ToByteArray(), latest.RootHash.ToByteArray(), proof.ConsistencyPath.Select(p => p.ToByteArray()).ToList()));
        }
        var verification = await audit.VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why });
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task An_event_committed_after_later_ones_were_logged_still_enters_the_log()
    {
        var cases = hub.Cases("NL-TBKK");
        var audit = hub.Audit("EU-AUDIT");
        await using var slow = new NpgsqlConnection(hub.Database.ConnectionString);
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        var streamId = Guid.NewGuid();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO evidencehub.mt_streams (id, type, version, timestamp, created, tenant_id) VALUES (@s, null, 1, now(), now(), '*DEFAULT*');
            INSERT INTO evidencehub.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, user_name)
            VALUES (nextval('evidencehub.mt_events_sequence'), gen_random_uuid(), @s, 1, '{"number": 1, "note": "slow"}', 'replay_probe', now(), '*DEFAULT*',
                    'EvidenceHub.Tests.Audit.ReplayProbe, EvidenceHub.Tests', 'TEST/slow');
            """, slow, transaction))
        {
            insert.Parameters.AddWithValue("s", streamId);
            await insert.ExecuteNonQueryAsync();
        }
        long slowSequence;
        await using (var read = new NpgsqlCommand("SELECT seq_id FROM evidencehub.mt_events WHERE stream_id = @s", slow, transaction))
        {
            read.Parameters.AddWithValue("s", streamId);
            slowSequence = (long)(await read.ExecuteScalarAsync())!;
        }

        // Later events commit and are logged while the slow transaction still holds its sequence number.
        var caseId = await cases.OpenedCase();
        var later = (await audit.ReplayLogged(caseId)).Single();
        Assert.True(later.Sequence > slowSequence);
        await transaction.CommitAsync();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        long? position;
        while ((position = await Position(slowSequence)) is null && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.NotNull(position);
        Assert.True(position > later.LogPosition, "logged when it became visible, after the events that overtook it");
        var verification = await audit.VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why });
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task A_round_that_would_log_an_event_twice_is_refused_by_the_database_rolled_back_whole_and_the_writer_carries_on()
    {
        var cases = hub.Cases("NL-TBKK");
        await cases.OpenedCase();
        var size = await LogTables.WriterCaughtUp(hub.Database.ConnectionString);

        // The schema itself refuses a second entry for a logged event, and a second entry at a taken position.
        Assert.Equal("ix_audit_log_entries_sequence", await Refused($"INSERT INTO evidencehub.audit_log_entries SELECT 2000000000, sequence, leaf_hash FROM evidencehub.audit_log_entries WHERE position = 0"));
        Assert.Equal("pkey_audit_log_entries_position", await Refused($"INSERT INTO evidencehub.audit_log_entries SELECT 0, -1, leaf_hash FROM evidencehub.audit_log_entries WHERE position = 0"));

        // A rogue writer that ignores the log's lock: it holds the writer's next round at its INSERT, after the round has
        // read the log and chosen what to append, then logs every pending event itself, far away, and commits.
        await using var rogue = new NpgsqlConnection(hub.Database.ConnectionString);
        await rogue.OpenAsync();
        var rogueRows = 0;
        await using (var transaction = await rogue.BeginTransactionAsync())
        {
            await Run(rogue, transaction, "LOCK TABLE evidencehub.audit_log_entries IN SHARE ROW EXCLUSIVE MODE");
            await cases.OpenedCase();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await Count(
                       """
                       SELECT count(*) FROM pg_locks
                       WHERE relation = 'evidencehub.audit_log_entries'::regclass AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND mode = 'RowExclusiveLock' AND NOT granted
                       """) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the writer's round never reached its INSERT");
                await Task.Delay(50);
            }
            rogueRows = (int)(long)(await Run(rogue, transaction,
                """
                WITH pending AS (
                    INSERT INTO evidencehub.audit_log_entries (position, sequence, leaf_hash)
                    SELECT 1000000000 + row_number() OVER (ORDER BY e.seq_id), e.seq_id, '\x00'::bytea FROM evidencehub.mt_events e
                    WHERE NOT EXISTS (SELECT 1 FROM evidencehub.audit_log_entries l WHERE l.sequence = e.seq_id)
                    RETURNING 1)
                SELECT count(*) FROM pending
                """))!;
            Assert.True(rogueRows > 0);
            await transaction.CommitAsync();
        }
        try
        {
            // The round's INSERT now meets the rogue entries: refused, so nothing of the round is stored or signed.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await Count("SELECT count(*) FROM pg_locks WHERE relation = 'evidencehub.audit_log_entries'::regclass AND NOT granted") > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the writer's round is still waiting");
                await Task.Delay(50);
            }
            Assert.Equal(0, await Count($"SELECT count(*) FROM evidencehub.audit_log_entries WHERE position >= {size} AND position < 1000000000"));
            Assert.Equal(0, await Count($"SELECT count(*) FROM evidencehub.audit_log_nodes WHERE (index + 1) << level > {size}"));
            Assert.Equal(size, await Count("SELECT max(tree_size) FROM evidencehub.audit_log_checkpoints"));
        }
        finally
        {
            await using var command = new NpgsqlCommand("DELETE FROM evidencehub.audit_log_entries WHERE position > 1000000000", rogue);
            Assert.Equal(rogueRows, await command.ExecuteNonQueryAsync());
        }

        // The writer was not stopped by the refusal: with the rogue entries gone it logs everything, each event once.
        var caughtUp = await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        Assert.True(caughtUp >= size + rogueRows);
        var (entries, distinctEvents, logSize) = await Counts(
            "SELECT count(*), count(DISTINCT sequence), coalesce(max(position) + 1, 0) FROM evidencehub.audit_log_entries");
        Assert.True(entries == distinctEvents && entries == logSize, $"{entries} entries for {distinctEvents} events at positions [0, {logSize})");
        var verification = await hub.Audit("EU-AUDIT").VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why });
        Assert.True(verification.Intact, verification.Problem);
    }

    private static async Task<List<LogCheckpoint>> Checkpoints(AuditService.AuditServiceClient audit, params CaseService.CaseServiceClient[] writers)
    {
        var signed = new List<LogCheckpoint>();
        foreach (var writer in writers)
        {
            await writer.OpenedCase();
            var checkpoint = await audit.CheckpointCovering(signed.Count == 0 ? 1 : signed[^1].TreeSize + 1);
            AuditClient.AssertSigned(checkpoint);
            signed.Add(checkpoint);
        }
        return signed;
    }

    private async Task<long?> Position(long sequence)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT position FROM evidencehub.audit_log_entries WHERE sequence = @s", connection);
        command.Parameters.AddWithValue("s", sequence);
        return await command.ExecuteScalarAsync() as long?;
    }

    /// The constraint that refuses the statement (run in a transaction that is rolled back either way).
    private async Task<string?> Refused(string sql)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var refusal = await Assert.ThrowsAsync<PostgresException>(() => Run(connection, transaction, sql));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, refusal.SqlState);
        return refusal.ConstraintName;
    }

    private static async Task<object?> Run(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync();
    }

    private async Task<(long, long, long)> Counts(string sql)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var row = await command.ExecuteReaderAsync();
        await row.ReadAsync();
        return (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2));
    }

    private async Task<long> Count(string sql)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
