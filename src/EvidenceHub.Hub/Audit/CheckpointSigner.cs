using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace EvidenceHub.Hub.Audit;

/// Signs every checkpoint twice: the RFC 9162 tree head with the hub's ECDSA P-256 key (Audit:SigningKeyPath, a
/// PKCS#8 PEM file), as the hub always has, and the C2SP checkpoint (c2sp.org/tlog-checkpoint) as a signed note
/// with its Ed25519 key (Audit:NoteSigningKeyPath, PKCS#8 PEM, by default beside the first as *.ed25519.pem), under
/// the log's origin (Audit:LogOrigin), which is also the note key's name. Missing key files are created, 0600, and
/// an existing key file that its group or others may read is refused: checkpoints are only worth as much as the
/// keys' custody. Without Audit:SigningKeyPath the hub signs with keys that live only as long as the process.
public sealed class CheckpointSigner : IDisposable
{
    public const string DefaultOrigin = "evidencehub.local/audit-log";

    private readonly ECDsa key;
    private readonly Ed25519PrivateKeyParameters noteKey;

    public byte[] PublicKey { get; }
    public byte[] KeyId { get; }
    public string PublicKeyPem { get; }
    /// The log's origin line, and the name of its note key.
    public string Origin { get; }
    /// The note key as a verifier key, to pin (Audit:TrustedLogKeys) and to give to witnesses.
    public NoteVerifier NoteVerifier { get; }

    public CheckpointSigner(IConfiguration configuration, ILogger<CheckpointSigner> logger)
    {
        var path = configuration["Audit:SigningKeyPath"];
        Origin = configuration["Audit:LogOrigin"] is { Length: > 0 } origin ? origin : DefaultOrigin;
        if (Origin.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '+'))
            throw new InvalidOperationException($"Audit:LogOrigin '{Origin}' may not contain spaces, control characters or '+' (it names the note key).");
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (string.IsNullOrWhiteSpace(path))
        {
            logger.LogWarning("Audit:SigningKeyPath is not set: log checkpoints are signed with keys that live only in this process.");
            noteKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        }
        else
        {
            if (KeyFile.Read(path) is { } pem) key.ImportFromPem(pem);
            else
            {
                KeyFile.Create(path, key.ExportPkcs8PrivateKeyPem());
                File.WriteAllText(PublicPathFor(path), key.ExportSubjectPublicKeyInfoPem());
                logger.LogInformation("Created the log checkpoint key {Path}", path);
            }
            var notePath = configuration["Audit:NoteSigningKeyPath"] is { Length: > 0 } configured ? configured : NotePathFor(path);
            if (KeyFile.Read(notePath) is { } notePem)
                noteKey = PrivateKeyFactory.CreateKey(Convert.FromBase64String(PemBody(notePem, notePath))) as Ed25519PrivateKeyParameters
                          ?? throw new InvalidOperationException($"{notePath}: the checkpoint note key must be an Ed25519 private key (PKCS#8 PEM).");
            else
            {
                noteKey = new Ed25519PrivateKeyParameters(new SecureRandom());
                var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(noteKey).GetEncoded();
                KeyFile.Create(notePath, new string(PemEncoding.Write("PRIVATE KEY", der)) + "\n");
                logger.LogInformation("Created the log checkpoint note key {Path}", notePath);
            }
        }
        if (key.KeySize != 256) throw new InvalidOperationException($"{path}: the checkpoint key must be ECDSA P-256.");
        PublicKey = key.ExportSubjectPublicKeyInfo();
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
        KeyId = SHA256.HashData(PublicKey);
        NoteVerifier = new NoteVerifier(Origin, SignedNote.Ed25519Type, noteKey.GeneratePublicKey().GetEncoded());
        logger.LogInformation("Log checkpoints for {Origin} are signed with the note key {VerifierKey}", Origin, NoteVerifier);
    }

    public static string PublicPathFor(string privateKeyPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(privateKeyPath))!, Path.GetFileNameWithoutExtension(privateKeyPath) + ".pub.pem");

    public static string NotePathFor(string privateKeyPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(privateKeyPath))!, Path.GetFileNameWithoutExtension(privateKeyPath) + ".ed25519.pem");

    public SignedCheckpoint Sign(long treeSize, byte[] rootHash, DateTimeOffset at)
    {
        // Milliseconds, as the tree head carries them, so the stored time and the signed time are the same.
        var signedAt = DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
        var head = TreeHead(treeSize, rootHash, signedAt);
        var body = SignedNote.CheckpointBody(Origin, treeSize, rootHash);
        var noteSignature = SignedNote.Sign(noteKey, System.Text.Encoding.UTF8.GetBytes(body));
        return new SignedCheckpoint(treeSize, rootHash, signedAt, head, key.SignData(head, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), KeyId)
        {
            Note = body + "\n" + SignedNote.SignatureLine(Origin, NoteVerifier.KeyId, noteSignature),
        };
    }

    /// RFC 9162 section 4.10 TreeHeadDataV2, TLS-encoded: timestamp, tree_size, root_hash<32..255>, sth_extensions<0..65535> (none).
    public static byte[] TreeHead(long treeSize, byte[] rootHash, DateTimeOffset at)
    {
        var head = new byte[8 + 8 + 1 + rootHash.Length + 2];
        BinaryPrimitives.WriteUInt64BigEndian(head.AsSpan(0), (ulong)at.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt64BigEndian(head.AsSpan(8), (ulong)treeSize);
        head[16] = (byte)rootHash.Length;
        rootHash.CopyTo(head.AsSpan(17));
        return head;
    }

    public static bool Verify(byte[] publicKey, byte[] treeHead, byte[] signature)
    {
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
        return verifier.VerifyData(treeHead, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private static string PemBody(string pem, string path)
    {
        var found = PemEncoding.TryFind(pem, out var fields) ? fields : throw new InvalidOperationException($"{path} holds no PEM key.");
        return pem[fields.Base64Data];
    }

    public void Dispose() => key.Dispose();
}
