using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Tests.Infrastructure;
using Npgsql;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace EvidenceHub.Tests.Audit;

/// A hub of its own (its log gets rewritten) whose checkpoint keys the test made, pinned in configuration as an
/// operator pins them, with one configured witness and a unit certificate for it.
public sealed class PinnedKeysHub : HubFixture
{
    public const string Origin = "evidencehub.test/pinned-log";
    public const string WitnessName = "witness.test/w1";
    public const string WitnessUnit = "EU-WITNESS";

    private readonly string directory = Directory.CreateTempSubdirectory("evidencehub-pinned-").FullName;
    public ECDsa TreeHeadKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public Ed25519PrivateKeyParameters NoteKey { get; } = new(new SecureRandom());
    public Ed25519PrivateKeyParameters WitnessKey { get; } = new(new SecureRandom());
    public NoteVerifier NoteVerifier => new(Origin, SignedNote.Ed25519Type, NoteKey.GeneratePublicKey().GetEncoded());
    public NoteVerifier WitnessVerifier => new(WitnessName, SignedNote.CosignatureV1Type, WitnessKey.GeneratePublicKey().GetEncoded());

    protected override IEnumerable<(string Key, string Value)> MoreSettings()
    {
        var keyPath = Path.Combine(directory, "checkpoint-key.pem");
        var notePath = Path.Combine(directory, "checkpoint-note-key.pem");
        KeyFile.Create(keyPath, TreeHeadKey.ExportPkcs8PrivateKeyPem());
        KeyFile.Create(notePath, new string(PemEncoding.Write("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(NoteKey).GetEncoded())));
        yield return ("Audit:SigningKeyPath", keyPath);
        yield return ("Audit:NoteSigningKeyPath", notePath);
        yield return ("Audit:LogOrigin", Origin);
        yield return ("Audit:TrustedLogKeys:0", NoteVerifier.ToString());
        yield return ("Audit:TrustedLogKeys:1", TreeHeadKey.ExportSubjectPublicKeyInfoPem());
        yield return ("Audit:Witnesses:0", WitnessVerifier.ToString());
        yield return ($"Units:{WitnessUnit}:Country", "BE");
        yield return ($"Units:{WitnessUnit}:Roles:0", "witness");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}

/// A witness as c2sp.org/tlog-witness describes one, reduced to what the tests need: it remembers the last
/// checkpoint it cosigned and cosigns a newer one only when a consistency proof from the old one holds.
public sealed class TestWitness(PinnedKeysHub hub)
{
    public (long Size, byte[] Root)? Latest { get; private set; }

    /// Fetches the latest checkpoint, checks it and (from the second time on) its consistency with the last one
    /// cosigned, and cosigns it; returns whether it did.
    public async Task<bool> Cosign()
    {
        var witness = hub.Audit(PinnedKeysHub.WitnessUnit, "witness");
        var answer = await witness.GetCheckpointNoteAsync(new GetCheckpointNoteRequest { Justification = new() { Purpose = "witness polling the log" }, OldSize = Latest?.Size ?? 0 });
        var (body, signatures) = SignedNote.Parse(answer.Note)!.Value;
        var pinned = hub.NoteVerifier;
        var signed = signatures.Single(pinned.Signed);
        Assert.True(IndependentEd25519.Verify(pinned.PublicKey, Encoding.UTF8.GetBytes(body), signed.Signature), "the note verifies with the pinned key");
        var root = answer.RootHash.ToByteArray();
        if (Latest is { } last && last.Size < answer.TreeSize
            && !Rfc9162.VerifyConsistency(last.Size, answer.TreeSize, last.Root, root, answer.ConsistencyPath.Select(p => p.ToByteArray()).ToList()))
            return false; // the log does not extend what this witness saw: refuse
        if (Latest is { } seen && seen.Size == answer.TreeSize && !seen.Root.AsSpan().SequenceEqual(root)) return false;

        var time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var message = Encoding.UTF8.GetBytes($"cosignature/v1\ntime {time}\n{body}");
        var signature = new byte[64];
        hub.WitnessKey.Sign(Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
        var timestamp = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(timestamp, (ulong)time);
        var line = $"\u2014 {PinnedKeysHub.WitnessName} {Convert.ToBase64String([.. hub.WitnessVerifier.KeyId, .. timestamp, .. signature])}";
        var cosigned = await witness.AddCheckpointCosignatureAsync(new AddCheckpointCosignatureRequest { TreeSize = answer.TreeSize, SignatureLine = line });
        Assert.Contains(cosigned.Cosignatures, c => c.Witness == PinnedKeysHub.WitnessName && c.SignatureLine == line);
        Assert.EndsWith(line + "\n", cosigned.Note);
        Latest = (answer.TreeSize, root);
        return true;
    }
}

/// What someone with write access to the database does to rewrite history so that every hash adds up again: alter an
/// access record, recompute its leaf and every stored subtree hash above it, and re-sign every checkpoint after it
/// with the keys given, all under the log writer's lock.
public static class LogRewrite
{
    /// Returns the position of the rewritten access record.
    public static async Task<long> Rewrite(HubFixture hub, ECDsa treeHeadKey, Ed25519PrivateKeyParameters noteKey, string origin, bool insertKeyIntoTable)
    {
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Run(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", LogWriter.AdvisoryLockKey));
        var (position, sequence) = await First(connection, transaction,
            "SELECT l.position, l.sequence FROM evidencehub.audit_log_entries l JOIN evidencehub.mt_events e ON e.seq_id = l.sequence WHERE e.type = 'access_recorded' ORDER BY l.position LIMIT 1");
        await Run(connection, transaction, $"UPDATE evidencehub.mt_events SET data = jsonb_set(data, '{{Justification}}', '\"nothing to see here\"') WHERE seq_id = {sequence}");
        var altered = await StoredEventOf(connection, transaction, sequence);
        await Run(connection, transaction, $"UPDATE evidencehub.audit_log_entries SET leaf_hash = @hash WHERE position = {position}", ("hash", LogLeaf.Hash(altered)));

        var leafHashes = new List<byte[]>();
        await using (var command = new NpgsqlCommand("SELECT leaf_hash FROM evidencehub.audit_log_entries ORDER BY position", connection, transaction))
        await using (var rows = await command.ExecuteReaderAsync())
            while (await rows.ReadAsync()) leafHashes.Add(rows.GetFieldValue<byte[]>(0));
        var nodes = new List<(int Level, long Index)>();
        await using (var command = new NpgsqlCommand("SELECT level, index FROM evidencehub.audit_log_nodes", connection, transaction))
        await using (var rows = await command.ExecuteReaderAsync())
            while (await rows.ReadAsync()) nodes.Add((rows.GetInt32(0), rows.GetInt64(1)));
        foreach (var (level, index) in nodes.Where(n => n.Index << n.Level <= position && position < (n.Index + 1) << n.Level))
            await Run(connection, transaction, "UPDATE evidencehub.audit_log_nodes SET hash = @hash WHERE level = @level AND index = @index",
                ("hash", Rfc9162.Root(leafHashes, (int)(index << level), 1 << level)), ("level", level), ("index", index));

        var checkpoints = new List<(long Size, DateTimeOffset At)>();
        await using (var command = new NpgsqlCommand($"SELECT tree_size, signed_at FROM evidencehub.audit_log_checkpoints WHERE tree_size > {position}", connection, transaction))
        await using (var rows = await command.ExecuteReaderAsync())
            while (await rows.ReadAsync()) checkpoints.Add((rows.GetInt64(0), rows.GetFieldValue<DateTimeOffset>(1)));
        Assert.NotEmpty(checkpoints);
        var spki = treeHeadKey.ExportSubjectPublicKeyInfo();
        var keyId = SHA256.HashData(spki);
        if (insertKeyIntoTable)
            await Run(connection, transaction, "INSERT INTO evidencehub.audit_log_keys (key_id, public_key, first_used) VALUES (@k, @pk, now()) ON CONFLICT DO NOTHING",
                ("k", keyId), ("pk", spki));
        var noteVerifier = new NoteVerifier(origin, SignedNote.Ed25519Type, noteKey.GeneratePublicKey().GetEncoded());
        foreach (var (size, at) in checkpoints)
        {
            var root = Rfc9162.Root(leafHashes, 0, (int)size);
            var head = CheckpointSigner.TreeHead(size, root, at);
            var body = SignedNote.CheckpointBody(origin, size, root);
            var note = body + "\n" + SignedNote.SignatureLine(origin, noteVerifier.KeyId, SignedNote.Sign(noteKey, Encoding.UTF8.GetBytes(body)));
            await Run(connection, transaction,
                "UPDATE evidencehub.audit_log_checkpoints SET root_hash = @r, tree_head = @th, signature = @sig, key_id = @k, note = @note WHERE tree_size = @n",
                ("r", root), ("th", head), ("sig", treeHeadKey.SignData(head, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)),
                ("k", keyId), ("note", note), ("n", size));
        }
        await transaction.CommitAsync();
        return position;
    }

    private static async Task<StoredEvent> StoredEventOf(NpgsqlConnection connection, NpgsqlTransaction transaction, long sequence)
    {
        await using var command = new NpgsqlCommand($"SELECT {StoredEvent.Columns} FROM evidencehub.mt_events e WHERE e.seq_id = {sequence}", connection, transaction);
        await using var rows = await command.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        return StoredEvent.Read(rows);
    }

    private static async Task<(long, long)> First(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var rows = await command.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        return (rows.GetInt64(0), rows.GetInt64(1));
    }

    private static async Task Run(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
