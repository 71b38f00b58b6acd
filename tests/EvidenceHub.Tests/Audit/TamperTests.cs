using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Audit;

/// An attacker with database access rewrites history with plain SQL; VerifyLog must say where. A hub of its own,
/// because a damaged log would fail every other test's verification. Each test repairs what it broke, then shows that
/// the log is whole again: the writer, which stops appending while the log is damaged, has caught up with everything
/// stored meanwhile (such as the access records of the test's own calls), and VerifyLog finds all of it intact.
public sealed class TamperTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private AuditService.AuditServiceClient Auditor => hub.Audit("EU-AUDIT");

    [Fact]
    public async Task Altering_one_event_in_PostgreSQL_is_named_by_VerifyLog()
    {
        var (target, _) = await LoggedIdentifierEvent();
        var before = await Verify();
        Assert.True(before.Intact, before.Problem);
        var original = await Scalar<string>($"SELECT data::text FROM evidencehub.mt_events WHERE seq_id = {target.Sequence}");
        try
        {
            await Execute($"UPDATE evidencehub.mt_events SET data = jsonb_set(data, '{{rawValue}}', '\"+31 6 99999999\"') WHERE seq_id = {target.Sequence}");

            var verification = await Verify();
            Assert.False(verification.Intact);
            Assert.Equal(target.LogPosition, verification.FirstBadPosition);
            Assert.Equal(target.Sequence, verification.FirstBadSequence);
            Assert.Contains("no longer matches", verification.Problem);

            // The leaf recomputed from the altered event no longer hashes to the logged leaf hash: its inclusion proof fails.
            var replayed = (await Auditor.Replay(target.CaseId)).Single(e => e.Sequence == target.Sequence);
            var proof = await Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = AuditClient.Why, Position = target.LogPosition });
            var recomputed = Rfc9162.LeafHash(proof.Entry.Leaf.ToByteArray());
            Assert.Equal(replayed.LeafHash, proof.Entry.LeafHash);
            Assert.NotEqual(proof.Entry.LeafHash.ToByteArray(), recomputed);
            Assert.False(Rfc9162.VerifyInclusion(target.LogPosition, proof.TreeSize, recomputed, proof.AuditPath.Select(p => p.ToByteArray()).ToList(), proof.RootHash.ToByteArray()));
        }
        finally
        {
            await Execute($"UPDATE evidencehub.mt_events SET data = @original::jsonb WHERE seq_id = {target.Sequence}", ("original", original));
        }
        await AssertRepaired("restoring the exact content restores the log");
    }

    [Fact]
    public async Task Deleting_an_event_row_is_detected()
    {
        var (target, _) = await LoggedIdentifierEvent();
        await Execute($"CREATE TABLE evidencehub.tamper_backup_{target.Sequence} AS SELECT * FROM evidencehub.mt_events WHERE seq_id = {target.Sequence}");
        try
        {
            await Execute($"DELETE FROM evidencehub.mt_events WHERE seq_id = {target.Sequence}");
            var verification = await Verify();
            Assert.False(verification.Intact);
            Assert.Equal(target.LogPosition, verification.FirstBadPosition);
            Assert.Contains("missing from the store", verification.Problem);
        }
        finally
        {
            await Execute($"INSERT INTO evidencehub.mt_events SELECT * FROM evidencehub.tamper_backup_{target.Sequence}; DROP TABLE evidencehub.tamper_backup_{target.Sequence}");
        }
        await AssertRepaired("restoring the deleted row restores the log");
    }

    [Fact]
    public async Task Rewriting_the_leaf_hash_along_with_the_event_is_caught_by_the_signed_checkpoints()
    {
        var (target, checkpoint) = await LoggedIdentifierEvent();
        var original = await Scalar<string>($"SELECT data::text FROM evidencehub.mt_events WHERE seq_id = {target.Sequence}");
        // What the attack rewrites, as it stood just before: exactly this is put back afterwards.
        byte[]? originalLeafHash = null;
        var originalNodeHashes = new Dictionary<(int Level, long Index), byte[]>();
        try
        {
            // A careful attacker recomputes the leaf of the altered event and stores that hash too ...
            await Execute($"UPDATE evidencehub.mt_events SET data = jsonb_set(data, '{{rawValue}}', '\"+31 6 99999999\"') WHERE seq_id = {target.Sequence}");
            var alteredLeafHash = Rfc9162.LeafHash((await Auditor.Entries(target.LogPosition, 1)).Single().Leaf.ToByteArray());
            // ... and every stored subtree hash above it, all at once while holding the writer's lock, so that no subtree
            // the writer completes meanwhile escapes the rewrite (or the restore).
            long sizeAttacked;
            await using (var connection = await Open())
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await Run(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", EvidenceHub.Hub.Audit.LogWriter.AdvisoryLockKey));
                originalLeafHash = (byte[])(await Run(connection, transaction, $"SELECT leaf_hash FROM evidencehub.audit_log_entries WHERE position = {target.LogPosition}"))!;
                await Run(connection, transaction, $"UPDATE evidencehub.audit_log_entries SET leaf_hash = @hash WHERE position = {target.LogPosition}", ("hash", alteredLeafHash));
                var leafHashes = new List<byte[]>();
                await using (var command = new NpgsqlCommand("SELECT position, leaf_hash FROM evidencehub.audit_log_entries ORDER BY position", connection, transaction))
                await using (var rows = await command.ExecuteReaderAsync())
                    while (await rows.ReadAsync())
                    {
                        Assert.Equal(leafHashes.Count, rows.GetInt64(0));
                        leafHashes.Add(rows.GetFieldValue<byte[]>(1));
                    }
                sizeAttacked = leafHashes.Count;
                var covering = new List<(int Level, long Index, byte[] Hash)>();
                await using (var command = new NpgsqlCommand("SELECT level, index, hash FROM evidencehub.audit_log_nodes", connection, transaction))
                await using (var rows = await command.ExecuteReaderAsync())
                    while (await rows.ReadAsync())
                    {
                        var (level, index) = (rows.GetInt32(0), rows.GetInt64(1));
                        var start = index << level;
                        if (start <= target.LogPosition && target.LogPosition < start + (1L << level) && start + (1L << level) <= leafHashes.Count)
                            covering.Add((level, index, rows.GetFieldValue<byte[]>(2)));
                    }
                Assert.NotEmpty(covering);
                foreach (var (level, index, hash) in covering)
                {
                    originalNodeHashes[(level, index)] = hash;
                    await Run(connection, transaction, "UPDATE evidencehub.audit_log_nodes SET hash = @hash WHERE level = @level AND index = @index",
                        ("hash", Rfc9162.Root(leafHashes, (int)(index << level), 1 << level)), ("level", level), ("index", index));
                }
                await transaction.CommitAsync();
            }

            var verification = await Verify();
            Assert.False(verification.Intact);
            Assert.Contains("root signed for", verification.Problem);
            Assert.True(verification.FirstBadPosition <= target.LogPosition, $"{verification.FirstBadPosition} names a position at or before {target.LogPosition}");

            // Whoever kept the signed checkpoint and fetches the leaves finds that they no longer add up to its root.
            Assert.NotEqual(checkpoint.RootHash.ToByteArray(), RootFromLeaves(await Auditor.Entries(0, (int)checkpoint.TreeSize)));

            // The writer refuses to build on the rewritten edge of the tree: nothing is signed on top of it, although
            // this test's own calls have stored access records since.
            Assert.Equal(sizeAttacked, await Scalar<long>("SELECT max(tree_size) FROM evidencehub.audit_log_checkpoints"));
            Assert.Equal(sizeAttacked, await Scalar<long>("SELECT max(position) + 1 FROM evidencehub.audit_log_entries"));
        }
        finally
        {
            await Execute($"UPDATE evidencehub.mt_events SET data = @original::jsonb WHERE seq_id = {target.Sequence}", ("original", original));
            await using var connection = await Open();
            await using var transaction = await connection.BeginTransactionAsync();
            if (originalLeafHash is not null)
                await Run(connection, transaction, $"UPDATE evidencehub.audit_log_entries SET leaf_hash = @hash WHERE position = {target.LogPosition}", ("hash", originalLeafHash));
            foreach (var ((level, index), hash) in originalNodeHashes)
                await Run(connection, transaction, "UPDATE evidencehub.audit_log_nodes SET hash = @hash WHERE level = @level AND index = @index",
                    ("hash", hash), ("level", level), ("index", index));
            await transaction.CommitAsync();
        }
        await AssertRepaired("restoring the event, its leaf hash and the subtree hashes restores the log");
    }

    [Fact]
    public async Task A_forged_checkpoint_is_detected()
    {
        var (_, checkpoint) = await LoggedIdentifierEvent();
        var original = await Scalar<byte[]>($"SELECT root_hash FROM evidencehub.audit_log_checkpoints WHERE tree_size = {checkpoint.TreeSize}");
        try
        {
            await Execute($"UPDATE evidencehub.audit_log_checkpoints SET root_hash = @forged WHERE tree_size = {checkpoint.TreeSize}", ("forged", new byte[32]));
            var verification = await Verify();
            Assert.False(verification.Intact);
            Assert.Contains($"checkpoint for {checkpoint.TreeSize} entries", verification.Problem);
        }
        finally
        {
            await Execute($"UPDATE evidencehub.audit_log_checkpoints SET root_hash = @original WHERE tree_size = {checkpoint.TreeSize}", ("original", original));
        }
        await AssertRepaired("restoring the checkpoint restores the log");
    }

    [Fact]
    public async Task A_rewritten_subtree_hash_is_named_by_VerifyLog_and_breaks_the_proofs_that_use_it()
    {
        var (_, checkpoint) = await LoggedIdentifierEvent();
        var original = await Scalar<byte[]>("SELECT hash FROM evidencehub.audit_log_nodes WHERE level = 1 AND index = 1");
        try
        {
            await Execute("UPDATE evidencehub.audit_log_nodes SET hash = @forged WHERE level = 1 AND index = 1", ("forged", new byte[32]));
            var verification = await Verify();
            Assert.False(verification.Intact);
            Assert.Equal(2, verification.FirstBadPosition);
            Assert.Contains("subtree hash over positions [2, 4)", verification.Problem);

            var proof = await Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = AuditClient.Why, Position = 0, TreeSize = checkpoint.TreeSize });
            Assert.False(Rfc9162.VerifyInclusion(0, checkpoint.TreeSize, Rfc9162.LeafHash(proof.Entry.Leaf.ToByteArray()),
                proof.AuditPath.Select(p => p.ToByteArray()).ToList(), checkpoint.RootHash.ToByteArray()));
        }
        finally
        {
            await Execute("UPDATE evidencehub.audit_log_nodes SET hash = @original WHERE level = 1 AND index = 1", ("original", original));
        }
        await AssertRepaired("restoring the subtree hash restores the log");
    }

    private async Task<((long Sequence, long LogPosition, string CaseId) Target, LogCheckpoint Checkpoint)> LoggedIdentifierEvent()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, $"06-{Random.Shared.Next(10_000_000, 19_999_999)}"));
        await nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "done" });
        var events = await Auditor.ReplayLogged(caseId);
        var added = events.Single(e => e.EventType == "suspect_identifier_added");
        var checkpoint = await Auditor.CheckpointCovering(events.Max(e => e.LogPosition) + 1);
        return ((added.Sequence, added.LogPosition, caseId), checkpoint);
    }

    /// Once the damage is repaired the writer resumes, logs what was stored meanwhile, and the whole log verifies.
    private async Task AssertRepaired(string because)
    {
        var size = await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        var verification = await Verify();
        Assert.True(verification.Intact, $"{because}: {verification.Problem}");
        Assert.True(verification.TreeSize >= size, $"{because}: the verification covers the {size} entries logged after the repair, not {verification.TreeSize}");
    }

    private async Task<LogVerification> Verify() =>
        await Auditor.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "integrity check before disclosure to court" } });

    private static byte[] RootFromLeaves(List<LogEntry> entries) =>
        Rfc9162.Root(entries.Select(e => Rfc9162.LeafHash(e.Leaf.ToByteArray())).ToList(), 0, entries.Count);

    private async Task<NpgsqlConnection> Open()
    {
        var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<object?> Run(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync();
    }

    private async Task Execute(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> Scalar<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
