using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// Reads the tamper-evident log: its size, checkpoints, entries, proofs, and a full verification. Verifies with
/// the keys pinned in configuration (LogTrust), never with keys found in the database.
public sealed class LogReader(AuditDatabase database, LogTrust trust)
{
    public async Task<long> Size(CancellationToken cancellation)
    {
        await using var connection = await database.Open(cancellation);
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(position) + 1, 0) FROM {AuditSchema.Entries}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
    }

    /// The checkpoint signed for exactly treeSize, or the latest when treeSize is null.
    public async Task<(SignedCheckpoint Checkpoint, byte[] PublicKey)?> Checkpoint(long? treeSize, CancellationToken cancellation)
    {
        await using var connection = await database.Open(cancellation);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT c.tree_size, c.root_hash, c.signed_at, c.tree_head, c.signature, c.key_id, c.note, k.public_key
            FROM {AuditSchema.Checkpoints} c LEFT JOIN {AuditSchema.Keys} k ON k.key_id = c.key_id
            {(treeSize is null ? "" : "WHERE c.tree_size = @n")}
            ORDER BY c.tree_size DESC LIMIT 1
            """, connection);
        if (treeSize is { } n) command.Parameters.AddWithValue("n", n);
        await using var row = await command.ExecuteReaderAsync(cancellation);
        if (!await row.ReadAsync(cancellation)) return null;
        return (ReadCheckpoint(row), row.IsDBNull(7) ? [] : row.GetFieldValue<byte[]>(7));
    }

    private static SignedCheckpoint ReadCheckpoint(NpgsqlDataReader row) =>
        new(row.GetInt64(0), row.GetFieldValue<byte[]>(1), row.GetFieldValue<DateTimeOffset>(2),
            row.GetFieldValue<byte[]>(3), row.GetFieldValue<byte[]>(4), row.GetFieldValue<byte[]>(5))
        {
            Note = row.IsDBNull(6) ? null : row.GetString(6),
        };

    /// The cosignatures kept for a checkpoint, each verified again now against the configured witness keys (lines
    /// that no longer verify, or whose witness is no longer configured, are left out).
    public async Task<List<StoredCosignature>> Cosignatures(SignedCheckpoint checkpoint, CancellationToken cancellation)
    {
        var found = new List<StoredCosignature>();
        await using var connection = await database.Open(cancellation);
        await using var command = new NpgsqlCommand(
            $"SELECT tree_size, witness, cosigned_at, signature_line FROM {AuditSchema.Cosignatures} WHERE tree_size = @n ORDER BY witness", connection);
        command.Parameters.AddWithValue("n", checkpoint.TreeSize);
        await using var rows = await command.ExecuteReaderAsync(cancellation);
        var body = SignedNote.CheckpointBody(trust.Origin, checkpoint.TreeSize, checkpoint.RootHash);
        while (await rows.ReadAsync(cancellation))
        {
            var stored = new StoredCosignature(rows.GetInt64(0), rows.GetString(1), rows.GetFieldValue<DateTimeOffset>(2), rows.GetString(3));
            if (SignedNote.ParseLine(stored.SignatureLine) is { } line && trust.VerifyCosignature(line, body) is not null) found.Add(stored);
        }
        return found;
    }

    /// Keeps a witness's cosignature on the checkpoint of its size, after checking it against the configured witness
    /// keys and the checkpoint the hub signed (itself checked with the pinned keys). A later cosignature by the same
    /// witness on the same checkpoint replaces the earlier one.
    public async Task<StoredCosignature> AddCosignature(long treeSize, string signatureLine, DateTimeOffset now, CancellationToken cancellation)
    {
        var line = SignedNote.ParseLine(signatureLine)
                   ?? throw Errors.Rejection.InvalidArgument("signature_line", "is not a note signature line (— <name> <base64>)");
        if (!trust.Witnesses.Any(w => w.Signed(line)))
            throw Errors.Rejection.InvalidArgument("signature_line", $"is not signed by a configured witness key (name '{AuditText.Storable(line.Name, 128)}')");
        var (checkpoint, _) = await Checkpoint(treeSize, cancellation)
                              ?? throw Errors.Rejection.NotFound("checkpoint", treeSize.ToString(), "tree_size");
        var body = SignedNote.CheckpointBody(trust.Origin, checkpoint.TreeSize, checkpoint.RootHash);
        if (checkpoint.Note is null || trust.VerifyNote(checkpoint.Note).Body != body)
            throw Errors.Rejection.FailedPrecondition("CHECKPOINT_NOT_VERIFIED", $"The checkpoint for {treeSize} entries does not verify with the pinned log keys; run VerifyLog.");
        if (trust.VerifyCosignature(line, body) is not var (witness, time))
            throw Errors.Rejection.InvalidArgument("signature_line", $"does not verify as {NameOf(line)}'s cosignature/v1 on the checkpoint for {treeSize} entries");
        var cosignedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Min(time, 253_402_300_799));
        await using var connection = await database.Open(cancellation);
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {AuditSchema.Cosignatures} (tree_size, witness, cosigned_at, signature_line, received_at) VALUES (@n, @w, @at, @line, @now)
            ON CONFLICT (tree_size, witness) DO UPDATE SET cosigned_at = excluded.cosigned_at, signature_line = excluded.signature_line, received_at = excluded.received_at
            """, connection);
        var canonical = SignedNote.SignatureLine(line.Name, line.KeyId, line.Signature).TrimEnd('\n');
        command.Parameters.AddWithValue("n", treeSize);
        command.Parameters.AddWithValue("w", witness.Name);
        command.Parameters.AddWithValue("at", cosignedAt);
        command.Parameters.AddWithValue("line", canonical);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellation);
        return new StoredCosignature(treeSize, witness.Name, cosignedAt, canonical);

        static string NameOf(NoteSignature line) => AuditText.Storable(line.Name, 128);
    }

    /// Entries from a position on, each with its event as stored now, streamed from the database.
    public async IAsyncEnumerable<LoggedEntry> Entries(long from, long count, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var connection = await database.Open(cancellation);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT l.position, l.sequence, l.leaf_hash, {StoredEvent.Columns}
            FROM {AuditSchema.Entries} l LEFT JOIN {AuditSchema.Events} e ON e.seq_id = l.sequence
            WHERE l.position >= @from AND l.position < @to
            ORDER BY l.position
            """, connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", count == long.MaxValue ? long.MaxValue : from + count);
        await using var rows = await command.ExecuteReaderAsync(cancellation);
        while (await rows.ReadAsync(cancellation))
            yield return new LoggedEntry(rows.GetInt64(0), rows.GetInt64(1), rows.GetFieldValue<byte[]>(2),
                rows.IsDBNull(3) ? null : StoredEvent.Read(rows, 3));
    }

    public async Task<(byte[] Root, List<byte[]> Path)> InclusionProof(long position, long treeSize, CancellationToken cancellation) =>
        await Compute(c => (MerkleTree.Root(treeSize, c), MerkleTree.InclusionPath(position, treeSize, c)), cancellation);

    public async Task<(byte[] FirstRoot, byte[] SecondRoot, List<byte[]> Path)> ConsistencyProof(long first, long second, CancellationToken cancellation) =>
        await Compute(c => (MerkleTree.Root(first, c), MerkleTree.Root(second, c), MerkleTree.ConsistencyPath(first, second, c)), cancellation);

    // Runs a tree computation over stored subtree hashes: once to learn which it reads, then on those, fetched at once.
    private async Task<T> Compute<T>(Func<Func<MerkleNode, byte[]>, T> computation, CancellationToken cancellation)
    {
        var wanted = MerkleTree.NodesRead(node => computation(node));
        await using var connection = await database.Open(cancellation);
        var nodes = await LogNodes.Load(connection, null, wanted, cancellation);
        return computation(n => nodes[n]);
    }

    /// Recomputes every leaf from the event it commits to and the whole tree from those leaves (never from stored
    /// hashes), compares them with the stored leaf hashes and with every signed checkpoint (signature included), then
    /// looks for stored events the log lacks. Streams the entries: memory stays constant whatever the log's length.
    public async Task<VerificationResult> Verify(CancellationToken cancellation)
    {
        // Checkpoints and cosignatures are read before the size, so everything they cover is read after them.
        var checkpoints = new Queue<SignedCheckpoint>();
        var cosignatures = new Dictionary<long, List<StoredCosignature>>();
        await using (var connection = await database.Open(cancellation))
        {
            await using (var command = new NpgsqlCommand(
                $"SELECT c.tree_size, c.root_hash, c.signed_at, c.tree_head, c.signature, c.key_id, c.note FROM {AuditSchema.Checkpoints} c ORDER BY c.tree_size",
                connection))
            await using (var rows = await command.ExecuteReaderAsync(cancellation))
                while (await rows.ReadAsync(cancellation)) checkpoints.Enqueue(ReadCheckpoint(rows));
            await using (var command = new NpgsqlCommand($"SELECT tree_size, witness, cosigned_at, signature_line FROM {AuditSchema.Cosignatures}", connection))
            await using (var rows = await command.ExecuteReaderAsync(cancellation))
                while (await rows.ReadAsync(cancellation))
                {
                    var stored = new StoredCosignature(rows.GetInt64(0), rows.GetString(1), rows.GetFieldValue<DateTimeOffset>(2), rows.GetString(3));
                    if (!cosignatures.TryGetValue(stored.TreeSize, out var onCheckpoint)) cosignatures[stored.TreeSize] = onCheckpoint = [];
                    onCheckpoint.Add(stored);
                }
        }
        var witnessed = trust.Witnesses.ToDictionary(w => w.Name, _ => (TreeSize: 0L, At: (DateTimeOffset?)null));

        var frontier = MerkleFrontier.Empty();
        long checkpointsChecked = 0, lastSequence = 0, lastGoodCheckpoint = 0;
        VerificationResult Result(bool intact, long? position, long sequence, string problem) =>
            new(intact, frontier.Size, checkpointsChecked, frontier.Size, frontier.Root(), position, sequence, problem)
            {
                Witnesses = witnessed.Select(w => (w.Key, w.Value.TreeSize, w.Value.At)).ToList(),
                KeysPinned = trust.Configured,
            };
        VerificationResult Bad(long position, long sequence, string problem) => Result(false, position, sequence, problem);

        // One size for the whole check, read after the checkpoints and before the nodes and entries: each later query
        // then sees everything the size covers, although the writer goes on appending meanwhile.
        var size = await Size(cancellation);

        // The stored subtree hashes, in the order the recomputation completes them, read alongside the entries:
        // proofs are built from them, so they must be what the leaves add up to.
        await using var nodesConnection = await database.Open(cancellation);
        await using var nodesCommand = new NpgsqlCommand(
            $"SELECT level, index, hash FROM {AuditSchema.Nodes} ORDER BY (index + 1) << level, level", nodesConnection);
        await using var storedNodes = await nodesCommand.ExecuteReaderAsync(cancellation);

        await foreach (var entry in Entries(0, size, cancellation))
        {
            if (entry.Position != frontier.Size)
                return Bad(frontier.Size, 0, $"the entry at position {frontier.Size} is missing from the log");
            if (entry.Event is null)
                return Bad(entry.Position, entry.Sequence, $"the event at sequence {entry.Sequence} (position {entry.Position}) is missing from the store");
            var leafHash = LogLeaf.Hash(entry.Event);
            if (!leafHash.AsSpan().SequenceEqual(entry.StoredLeafHash))
                return Bad(entry.Position, entry.Sequence, $"the event at sequence {entry.Sequence} (position {entry.Position}) no longer matches its logged leaf hash");
            foreach (var (node, hash) in frontier.Append(leafHash))
            {
                var stored = await storedNodes.ReadAsync(cancellation)
                    ? (Node: new MerkleNode(storedNodes.GetInt32(0), storedNodes.GetInt64(1)), Hash: storedNodes.GetFieldValue<byte[]>(2))
                    : default;
                if (stored.Node != node || !hash.AsSpan().SequenceEqual(stored.Hash))
                    return Bad(node.Start, 0, $"the stored subtree hash over positions [{node.Start}, {node.End}) is missing or does not match the entries");
            }
            lastSequence = Math.Max(lastSequence, entry.Sequence);

            while (checkpoints.TryPeek(out var signed) && signed.TreeSize == frontier.Size)
            {
                checkpoints.Dequeue();
                // Leaf hashes rewritten along with the events: the signed root still tells which stretch changed.
                if (Problem(signed, frontier.Root()) is { } problem)
                    return Bad(lastGoodCheckpoint, 0, $"{problem}: an entry at a position in [{lastGoodCheckpoint}, {frontier.Size}) was altered");
                // A witness cosigned the checkpoint of this size: its cosignature must hold over the tree recomputed
                // from the stored events. A history rewritten (and re-signed) after the witness saw it fails here.
                var body = SignedNote.CheckpointBody(trust.Origin, frontier.Size, frontier.Root());
                foreach (var cosignature in cosignatures.GetValueOrDefault(frontier.Size) ?? [])
                {
                    var witness = SignedNote.ParseLine(cosignature.SignatureLine) is { } line ? trust.Witnesses.FirstOrDefault(w => w.Signed(line)) : null;
                    if (witness is null) continue; // not (or no longer) a configured witness: its word counts for nothing
                    if (trust.VerifyCosignature(SignedNote.ParseLine(cosignature.SignatureLine)!, body) is not var (_, time))
                        return Bad(lastGoodCheckpoint, 0,
                            $"witness {witness.Name}'s cosignature on the checkpoint for {frontier.Size} entries does not hold over the log recomputed from the stored events: " +
                            $"the history that witness saw was rewritten (an entry at a position in [{lastGoodCheckpoint}, {frontier.Size}) was altered)");
                    witnessed[witness.Name] = (frontier.Size, DateTimeOffset.FromUnixTimeSeconds(Math.Min(time, 253_402_300_799)));
                }
                checkpointsChecked++;
                lastGoodCheckpoint = frontier.Size;
            }
        }
        if (checkpoints.TryPeek(out var beyond))
            return Bad(frontier.Size, 0, $"a checkpoint was signed for {beyond.TreeSize} entries but the log holds {frontier.Size}: entries from position {frontier.Size} on are missing");

        // An event the log skipped, or one inserted behind its back, below the newest logged one.
        await using (var connection = await database.Open(cancellation))
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT min(e.seq_id) FROM {AuditSchema.Events} e
            WHERE e.seq_id <= @last AND NOT EXISTS (SELECT 1 FROM {AuditSchema.Entries} l WHERE l.sequence = e.seq_id)
            """, connection))
        {
            command.Parameters.AddWithValue("last", lastSequence);
            if (await command.ExecuteScalarAsync(cancellation) is long unlogged)
                return Result(false, null, unlogged, $"the stored event at sequence {unlogged} is not in the log");
        }
        return Result(true, null, 0, "");
    }

    private string? Problem(SignedCheckpoint checkpoint, byte[] recomputedRoot)
    {
        if (!trust.VerifyTreeHead(checkpoint.KeyId, checkpoint.TreeHead, checkpoint.Signature))
            return $"the checkpoint for {checkpoint.TreeSize} entries does not carry a valid signature by a pinned log key (key id {Convert.ToHexStringLower(checkpoint.KeyId)})";
        var expectedHead = CheckpointSigner.TreeHead(checkpoint.TreeSize, checkpoint.RootHash, checkpoint.SignedAt);
        if (!expectedHead.AsSpan().SequenceEqual(checkpoint.TreeHead))
            return $"the stored checkpoint for {checkpoint.TreeSize} entries differs from the tree head it signed";
        if (checkpoint.Note is { } note)
        {
            var (body, problem) = trust.VerifyNote(note);
            if (problem is not null) return $"the signed note of the checkpoint for {checkpoint.TreeSize} entries {problem}";
            if (body != SignedNote.CheckpointBody(trust.Origin, checkpoint.TreeSize, checkpoint.RootHash))
                return $"the signed note of the checkpoint for {checkpoint.TreeSize} entries names another origin, size or root";
        }
        if (!recomputedRoot.AsSpan().SequenceEqual(checkpoint.RootHash))
            return $"the log recomputed from the stored events no longer has the root signed for {checkpoint.TreeSize} entries";
        return null;
    }
}
