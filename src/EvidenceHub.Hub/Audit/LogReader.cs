using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// An entry of the log with the event it commits to (null when that event is gone from the store).
public sealed record LoggedEntry(long Position, long Sequence, byte[] StoredLeafHash, StoredEvent? Event);

/// What VerifyLog found.
public sealed record VerificationResult(
    bool Intact, long EntriesChecked, long CheckpointsChecked, long TreeSize, byte[] RootHash,
    long? FirstBadPosition, long FirstBadSequence, string Problem);

/// Reads the tamper-evident log: its size, checkpoints, entries, proofs, and a full verification.
public sealed class LogReader(AuditDatabase database)
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
            SELECT c.tree_size, c.root_hash, c.signed_at, c.tree_head, c.signature, c.key_id, k.public_key
            FROM {AuditSchema.Checkpoints} c JOIN {AuditSchema.Keys} k ON k.key_id = c.key_id
            {(treeSize is null ? "" : "WHERE c.tree_size = @n")}
            ORDER BY c.tree_size DESC LIMIT 1
            """, connection);
        if (treeSize is { } n) command.Parameters.AddWithValue("n", n);
        await using var row = await command.ExecuteReaderAsync(cancellation);
        if (!await row.ReadAsync(cancellation)) return null;
        return (new SignedCheckpoint(row.GetInt64(0), row.GetFieldValue<byte[]>(1), row.GetFieldValue<DateTimeOffset>(2),
            row.GetFieldValue<byte[]>(3), row.GetFieldValue<byte[]>(4), row.GetFieldValue<byte[]>(5)), row.GetFieldValue<byte[]>(6));
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

    public async Task<byte[]> Root(long treeSize, CancellationToken cancellation) =>
        await Compute(c => MerkleTree.Root(treeSize, c), cancellation);

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
        var checkpoints = new Queue<(SignedCheckpoint Checkpoint, byte[] PublicKey)>();
        await using (var connection = await database.Open(cancellation))
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT c.tree_size, c.root_hash, c.signed_at, c.tree_head, c.signature, c.key_id, k.public_key
            FROM {AuditSchema.Checkpoints} c LEFT JOIN {AuditSchema.Keys} k ON k.key_id = c.key_id ORDER BY c.tree_size
            """, connection))
        await using (var rows = await command.ExecuteReaderAsync(cancellation))
            while (await rows.ReadAsync(cancellation))
                checkpoints.Enqueue((new SignedCheckpoint(rows.GetInt64(0), rows.GetFieldValue<byte[]>(1), rows.GetFieldValue<DateTimeOffset>(2),
                    rows.GetFieldValue<byte[]>(3), rows.GetFieldValue<byte[]>(4), rows.GetFieldValue<byte[]>(5)),
                    rows.IsDBNull(6) ? [] : rows.GetFieldValue<byte[]>(6)));

        var frontier = MerkleFrontier.Empty();
        long checkpointsChecked = 0, lastSequence = 0, lastGoodCheckpoint = 0;
        VerificationResult Bad(long position, long sequence, string problem) =>
            new(false, frontier.Size, checkpointsChecked, frontier.Size, frontier.Root(), position, sequence, problem);

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

            while (checkpoints.TryPeek(out var signed) && signed.Checkpoint.TreeSize == frontier.Size)
            {
                checkpoints.Dequeue();
                // Leaf hashes rewritten along with the events: the signed root still tells which stretch changed.
                if (Problem(signed, frontier.Root()) is { } problem)
                    return Bad(lastGoodCheckpoint, 0, $"{problem}: an entry at a position in [{lastGoodCheckpoint}, {frontier.Size}) was altered");
                checkpointsChecked++;
                lastGoodCheckpoint = frontier.Size;
            }
        }
        if (checkpoints.TryPeek(out var beyond))
            return Bad(frontier.Size, 0, $"a checkpoint was signed for {beyond.Checkpoint.TreeSize} entries but the log holds {frontier.Size}: entries from position {frontier.Size} on are missing");

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
                return new VerificationResult(false, frontier.Size, checkpointsChecked, frontier.Size, frontier.Root(), null, unlogged,
                    $"the stored event at sequence {unlogged} is not in the log");
        }
        return new VerificationResult(true, frontier.Size, checkpointsChecked, frontier.Size, frontier.Root(), null, 0, "");
    }

    private static string? Problem((SignedCheckpoint Checkpoint, byte[] PublicKey) signed, byte[] recomputedRoot)
    {
        var (checkpoint, publicKey) = signed;
        if (publicKey.Length == 0 || !CheckpointSigner.Verify(publicKey, checkpoint.TreeHead, checkpoint.Signature))
            return $"the checkpoint for {checkpoint.TreeSize} entries does not carry a valid signature";
        var expectedHead = CheckpointSigner.TreeHead(checkpoint.TreeSize, checkpoint.RootHash, checkpoint.SignedAt);
        if (!expectedHead.AsSpan().SequenceEqual(checkpoint.TreeHead))
            return $"the stored checkpoint for {checkpoint.TreeSize} entries differs from the tree head it signed";
        if (!recomputedRoot.AsSpan().SequenceEqual(checkpoint.RootHash))
            return $"the log recomputed from the stored events no longer has the root signed for {checkpoint.TreeSize} entries";
        return null;
    }
}
