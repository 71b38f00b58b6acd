using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace EvidenceHub.Hub.Audit;

/// Appends every stored event (case events and access records alike) to the tamper-evident log, in rounds: each
/// round takes the log's advisory lock, so only one writer appends at a time however many hub instances run, gives
/// the next events dense positions, stores their leaf hashes and the perfect subtrees they complete, and signs a
/// checkpoint for the new size, all in one transaction. A position once given never changes, so neither does a
/// signed checkpoint.
///
/// It takes the log's trust (the pinned keys) only so that both are read when the hub starts: a key file with loose
/// permissions or a malformed pinned key stops the start-up, not the first verification.
public sealed class LogWriter(AuditDatabase database, CheckpointSigner signer, LogTrust trust, TimeProvider clock, ILogger<LogWriter> logger,
    Errors.FailureLog failures)
    : BackgroundService
{
    public const int PageSize = 2000;
    public string Origin => trust.Origin;
    /// How far below the highest logged sequence a round still looks for events: an event whose transaction took a
    /// sequence number early but committed late lands there, and is logged then (at a later position).
    public const long LateCommitWindow = 5000;
    /// The transaction-level advisory lock a round holds from its first read of the log to its commit: whoever holds
    /// it (another hub instance's writer, or an operator repairing the log) keeps every writer from appending.
    public const long AdvisoryLockKey = 0x45_48_41_55_44_49_54; // "EHAUDIT"

    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RoundSpacing = TimeSpan.FromMilliseconds(200);
    private readonly SemaphoreSlim nudge = new(0);
    private long lastSeenHighest = -1;
    private int quietRounds;
    /// The sequences within the late-commit window that the log does not hold, as of the log having skippedAsOf
    /// entries: a round looks only at those and above the highest logged, instead of probing the whole window. Read
    /// afresh from the log when it changed otherwise (another writer, a restart, a failed round).
    private SortedSet<long> skipped = [];
    private long skippedAsOf = -1;

    /// Wakes the writer: something was just stored.
    public void Nudge()
    {
        if (nudge.CurrentCount == 0) nudge.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            int appended;
            try { appended = await AppendRound(stopping); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (PostgresException conflict) when (conflict.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // The log already holds an entry at one of the positions, or for one of the events, this round meant to
                // append: something wrote to it without the lock. The schema refused the duplicate, the round's
                // transaction was rolled back (nothing of it stored, nothing signed), and the next round starts afresh
                // from what the log holds.
                logger.LogError("An append round was refused by {Constraint} and rolled back: the audit log already held an entry at one of its positions or for one of its events",
                    conflict.ConstraintName);
                appended = 0;
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stopping).ContinueWith(_ => { }, CancellationToken.None);
            }
            catch (LogDamagedException damaged)
            {
                logger.LogCritical("The audit log is damaged near position {Position}: {Problem}", damaged.Position, damaged.Message);
                appended = 0;
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stopping).ContinueWith(_ => { }, CancellationToken.None);
            }
            catch (Exception exception)
            {
                // The database may be away (or, in tests, already dropped): try again, never give up logging.
                failures.Report(logger, "Appending to the audit log (retried every second)", exception);
                appended = 0;
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stopping).ContinueWith(_ => { }, CancellationToken.None);
            }
            if (appended < PageSize)
            {
                // Under a trickle of records (every lookup writes one) a round per nudge would spend more than the
                // lookups themselves, on hashing, storing and signing: let the entries gather for a moment.
                if (appended > 0) await Task.Delay(RoundSpacing, clock, stopping).ContinueWith(_ => { }, CancellationToken.None);
                await nudge.WaitAsync(Idle, stopping).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    /// One round: returns how many entries it appended.
    public async Task<int> AppendRound(CancellationToken cancellation)
    {
        await using var connection = await database.Open(cancellation);

        // Nothing new above what the last round saw, and the late-commit window was searched recently: stay idle.
        var highest = await Scalar(connection, null, $"SELECT coalesce(max(seq_id), 0) FROM {AuditSchema.Events}", cancellation);
        if (highest == lastSeenHighest && quietRounds++ % 10 != 0) return 0;

        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        if (!await TryLock(connection, transaction, cancellation)) return 0;

        var size = await Scalar(connection, transaction, $"SELECT coalesce(max(position) + 1, 0) FROM {AuditSchema.Entries}", cancellation);
        var loggedUpTo = await Scalar(connection, transaction, $"SELECT coalesce(max(sequence), 0) FROM {AuditSchema.Entries}", cancellation);

        if (skippedAsOf != size) skipped = await Unlogged(connection, transaction, Math.Max(0, loggedUpTo - LateCommitWindow), loggedUpTo, cancellation);
        skippedAsOf = -1; // until this round commits
        var pending = new List<StoredEvent>();
        await using (var select = new NpgsqlCommand(
            $"""
            SELECT {StoredEvent.Columns} FROM {AuditSchema.Events} e
            WHERE e.seq_id > @logged OR e.seq_id = ANY(@skipped)
            ORDER BY e.seq_id LIMIT @page
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("logged", loggedUpTo);
            select.Parameters.AddWithValue("skipped", skipped.ToArray());
            select.Parameters.AddWithValue("page", PageSize);
            await using var rows = await select.ExecuteReaderAsync(cancellation);
            while (await rows.ReadAsync(cancellation)) pending.Add(StoredEvent.Read(rows));
        }
        if (pending.Count == 0)
        {
            lastSeenHighest = highest;
            skippedAsOf = size;
            await transaction.RollbackAsync(cancellation);
            return 0;
        }
        quietRounds = 0;
        lastSeenHighest = -1;

        var started = Stopwatch.GetTimestamp();
        var frontierNodes = MerkleTree.Frontier(size);
        var known = await LogNodes.Load(connection, transaction, frontierNodes, cancellation);
        var frontier = new MerkleFrontier(size, frontierNodes.Select(n => known[n]).ToList());
        await AssertExtendsLastCheckpoint(connection, transaction, frontier, cancellation);

        var positions = new long[pending.Count];
        var sequences = new long[pending.Count];
        var leafHashes = new byte[pending.Count][];
        var completed = new List<(MerkleNode Node, byte[] Hash)>();
        for (var i = 0; i < pending.Count; i++)
        {
            positions[i] = frontier.Size;
            sequences[i] = pending[i].Sequence;
            leafHashes[i] = LogLeaf.Hash(pending[i]);
            completed.AddRange(frontier.Append(leafHashes[i]));
        }
        var checkpoint = signer.Sign(frontier.Size, frontier.Root(), clock.GetUtcNow());

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            $"INSERT INTO {AuditSchema.Entries} (position, sequence, leaf_hash) SELECT * FROM unnest(@p, @s, @h)",
            ("p", positions, NpgsqlDbType.Array | NpgsqlDbType.Bigint), ("s", sequences, NpgsqlDbType.Array | NpgsqlDbType.Bigint),
            ("h", leafHashes, NpgsqlDbType.Array | NpgsqlDbType.Bytea)));
        if (completed.Count > 0)
            batch.BatchCommands.Add(Command(
                $"INSERT INTO {AuditSchema.Nodes} (level, index, hash) SELECT * FROM unnest(@l, @i, @h)",
                ("l", completed.Select(c => c.Node.Level).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer),
                ("i", completed.Select(c => c.Node.Index).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
                ("h", completed.Select(c => c.Hash).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bytea)));
        batch.BatchCommands.Add(Command(
            $"INSERT INTO {AuditSchema.Keys} (key_id, public_key, first_used) VALUES (@k, @pk, @at) ON CONFLICT (key_id) DO NOTHING",
            ("k", signer.KeyId, NpgsqlDbType.Bytea), ("pk", signer.PublicKey, NpgsqlDbType.Bytea), ("at", checkpoint.SignedAt, NpgsqlDbType.TimestampTz)));
        batch.BatchCommands.Add(Command(
            $"INSERT INTO {AuditSchema.Checkpoints} (tree_size, root_hash, signed_at, tree_head, signature, key_id, note) VALUES (@n, @r, @at, @th, @sig, @k, @note)",
            ("n", checkpoint.TreeSize, NpgsqlDbType.Bigint), ("r", checkpoint.RootHash, NpgsqlDbType.Bytea),
            ("at", checkpoint.SignedAt, NpgsqlDbType.TimestampTz), ("th", checkpoint.TreeHead, NpgsqlDbType.Bytea),
            ("sig", checkpoint.Signature, NpgsqlDbType.Bytea), ("k", checkpoint.KeyId, NpgsqlDbType.Bytea),
            ("note", checkpoint.Note!, NpgsqlDbType.Text)));
        await batch.ExecuteNonQueryAsync(cancellation);
        await transaction.CommitAsync(cancellation);

        // What this round passed over below its highest sequence is what the next one looks at again.
        var nowLoggedUpTo = Math.Max(loggedUpTo, sequences[^1]);
        var nowFloor = nowLoggedUpTo - LateCommitWindow;
        for (var sequence = Math.Max(loggedUpTo, nowFloor) + 1; sequence < nowLoggedUpTo; sequence++) skipped.Add(sequence);
        skipped.ExceptWith(sequences);
        skipped.RemoveWhere(sequence => sequence <= nowFloor);
        skippedAsOf = frontier.Size;

        AuditTelemetry.EntriesLogged.Add(pending.Count);
        AuditTelemetry.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return pending.Count;
    }

    /// The sequences in (floor, loggedUpTo] that the log does not hold: rolled-back appends, and commits still to come.
    private static async Task<SortedSet<long>> Unlogged(NpgsqlConnection connection, NpgsqlTransaction transaction, long floor, long loggedUpTo, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT s FROM generate_series(@floor + 1, @logged) s WHERE NOT EXISTS (SELECT 1 FROM {AuditSchema.Entries} l WHERE l.sequence = s)",
            connection, transaction);
        command.Parameters.AddWithValue("floor", floor);
        command.Parameters.AddWithValue("logged", loggedUpTo);
        var unlogged = new SortedSet<long>();
        await using var rows = await command.ExecuteReaderAsync(cancellation);
        while (await rows.ReadAsync(cancellation)) unlogged.Add(rows.GetInt64(0));
        return unlogged;
    }

    /// Never sign on top of a tampered edge: the stored hashes the new entries build on must still give the root of
    /// the last checkpoint, else the log stops growing (fail closed) until VerifyLog's finding is repaired.
    private static async Task AssertExtendsLastCheckpoint(NpgsqlConnection connection, NpgsqlTransaction transaction, MerkleFrontier frontier, CancellationToken cancellation)
    {
        if (frontier.Size == 0) return;
        await using var command = new NpgsqlCommand($"SELECT root_hash FROM {AuditSchema.Checkpoints} WHERE tree_size = @n", connection, transaction);
        command.Parameters.AddWithValue("n", frontier.Size);
        if (await command.ExecuteScalarAsync(cancellation) is not byte[] signed || !signed.AsSpan().SequenceEqual(frontier.Root()))
            throw new LogDamagedException(frontier.Size,
                $"the stored log of {frontier.Size} entries no longer has the root of the checkpoint signed for it; appending stops until VerifyLog's finding is repaired");
    }

    private static async Task<bool> TryLock(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@k)", connection, transaction);
        command.Parameters.AddWithValue("k", AdvisoryLockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellation))!;
    }

    private static async Task<long> Scalar(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
    }

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value, NpgsqlDbType Type)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value, type) in parameters) command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        return command;
    }
}
