using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EvidenceHub.Hub.Audit;

/// A signed tree head as stored and served.
public sealed record SignedCheckpoint(long TreeSize, byte[] RootHash, DateTimeOffset SignedAt, byte[] TreeHead, byte[] Signature, byte[] KeyId);

/// Signs tree heads with the hub's ECDSA P-256 checkpoint key. The key comes from Audit:SigningKeyPath (a PKCS#8 PEM
/// file, created there with its public half beside it when missing); without that setting the hub signs with a key
/// that lives only as long as the process, and says so, because checkpoints are only worth as much as the key's
/// custody. Every key that signs is recorded in the log's key table, so older checkpoints stay verifiable.
public sealed class CheckpointSigner : IDisposable
{
    private readonly ECDsa key;

    public byte[] PublicKey { get; }
    public byte[] KeyId { get; }
    public string PublicKeyPem { get; }

    public CheckpointSigner(IConfiguration configuration, ILogger<CheckpointSigner> logger)
    {
        var path = configuration["Audit:SigningKeyPath"];
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (string.IsNullOrWhiteSpace(path))
            logger.LogWarning("Audit:SigningKeyPath is not set: log checkpoints are signed with a key that lives only in this process.");
        else if (File.Exists(path))
            key.ImportFromPem(File.ReadAllText(path));
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(PublicPathFor(path), key.ExportSubjectPublicKeyInfoPem());
            logger.LogInformation("Created the log checkpoint key {Path}", path);
        }
        if (key.KeySize != 256) throw new InvalidOperationException($"{path}: the checkpoint key must be ECDSA P-256.");
        PublicKey = key.ExportSubjectPublicKeyInfo();
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
        KeyId = SHA256.HashData(PublicKey);
    }

    public static string PublicPathFor(string privateKeyPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(privateKeyPath))!, Path.GetFileNameWithoutExtension(privateKeyPath) + ".pub.pem");

    public SignedCheckpoint Sign(long treeSize, byte[] rootHash, DateTimeOffset at)
    {
        // Milliseconds, as the tree head carries them, so the stored time and the signed time are the same.
        var signedAt = DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
        var head = TreeHead(treeSize, rootHash, signedAt);
        return new SignedCheckpoint(treeSize, rootHash, signedAt, head, key.SignData(head, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), KeyId);
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

    public void Dispose() => key.Dispose();
}
