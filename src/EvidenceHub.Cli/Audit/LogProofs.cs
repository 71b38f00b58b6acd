using System.Buffers.Binary;
using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Audit;

/// The client's own checks of the hub's tamper-evident log (RFC 9162 section 2.1), so that an auditor need not take
/// the hub's word: leaf hashes, inclusion paths and signed tree heads are recomputed here.
public static class LogProofs
{
    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        var input = new byte[leaf.Length + 1];
        leaf.CopyTo(input.AsSpan(1));
        return SHA256.HashData(input);
    }

    private static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var input = new byte[1 + left.Length + right.Length];
        input[0] = 1;
        left.CopyTo(input.AsSpan(1));
        right.CopyTo(input.AsSpan(1 + left.Length));
        return SHA256.HashData(input);
    }

    /// RFC 9162 section 2.1.3.2: the root that the inclusion path leads to from the leaf, or null if the path does not
    /// fit a tree of that size.
    public static byte[]? RootFromInclusionPath(long position, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> path)
    {
        if (position < 0 || position >= treeSize) return null;
        var (fn, sn, r) = (position, treeSize - 1, leafHash);
        foreach (var p in path)
        {
            if (sn == 0) return null;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1; sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    public sealed record CheckpointCheck(bool Valid, string Problem, long TreeSize, byte[] RootHash, DateTimeOffset Timestamp);

    /// Decodes the TreeHeadDataV2 bytes, checks they say what the message says, that key_id is SHA-256 of the public
    /// key, and the ECDSA P-256 signature over them; with a pinned key, also that the hub signed with that key.
    public static CheckpointCheck Verify(LogCheckpoint checkpoint, byte[]? pinnedPublicKey)
    {
        var head = checkpoint.TreeHead.Span;
        if (head.Length != 8 + 8 + 1 + 32 + 2 || head[16] != 32)
            return new(false, $"the tree head is {head.Length} bytes, not the 51 of TreeHeadDataV2 with a SHA-256 root", 0, [], default);
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)BinaryPrimitives.ReadUInt64BigEndian(head));
        var size = (long)BinaryPrimitives.ReadUInt64BigEndian(head[8..]);
        var root = head.Slice(17, 32).ToArray();
        string? problem = null;
        if (BinaryPrimitives.ReadUInt16BigEndian(head[49..]) != 0) problem = "the tree head carries extensions this client does not know";
        else if (size != checkpoint.TreeSize) problem = $"the signed tree head is for {size} entries, the message says {checkpoint.TreeSize}";
        else if (!root.AsSpan().SequenceEqual(checkpoint.RootHash.Span)) problem = "the signed root hash differs from the message's root hash";
        else if (!SHA256.HashData(checkpoint.PublicKey.Span).AsSpan().SequenceEqual(checkpoint.KeyId.Span)) problem = "key_id is not SHA-256 of the public key";
        else if (pinnedPublicKey is not null && !pinnedPublicKey.AsSpan().SequenceEqual(checkpoint.PublicKey.Span))
            problem = "the checkpoint is signed with a different key than the trusted one (--trust-key)";
        else
        {
            try
            {
                using var key = ECDsa.Create();
                key.ImportSubjectPublicKeyInfo(checkpoint.PublicKey.Span, out _);
                if (!key.VerifyData(head, checkpoint.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
                    problem = "the signature does not verify under the hub's checkpoint key";
            }
            catch (CryptographicException e)
            {
                problem = $"the checkpoint key or signature cannot be read: {e.Message}";
            }
        }
        return new(problem is null, problem ?? "", size, root, timestamp);
    }

    /// A public key pinned by the auditor: PEM (SubjectPublicKeyInfo), as `audit checkpoint --save-key` writes it.
    public static byte[] ReadPinnedKey(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--trust-key: no file {path}");
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(path));
            return key.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new UsageException($"--trust-key: {path} is not a PEM public key: {e.Message}");
        }
    }
}
