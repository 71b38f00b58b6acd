using System.Security.Cryptography;

namespace EvidenceHub.Tests.Audit;

/// An implementation of RFC 9162 written from the RFC's text, independent of the hub's: the reference tree hash
/// (section 2.1.1) and the verification algorithms for inclusion (2.1.3.2) and consistency (2.1.4.2) proofs.
public static class Rfc9162
{
    public static byte[] LeafHash(byte[] leaf) => SHA256.HashData([0x00, .. leaf]);

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    /// MTH(D[n]) over leaf hashes, by the definition: split at the largest power of two smaller than n.
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes, int start, int count)
    {
        if (count == 0) return SHA256.HashData(Array.Empty<byte>());
        if (count == 1) return leafHashes[start];
        var k = 1;
        while (k * 2 < count) k *= 2;
        return Node(Root(leafHashes, start, k), Root(leafHashes, start + k, count - k));
    }

    public static bool VerifyInclusion(long leafIndex, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> inclusionPath, byte[] rootHash)
    {
        if (leafIndex >= treeSize) return false;
        long fn = leafIndex, sn = treeSize - 1;
        var r = leafHash;
        foreach (var p in inclusionPath)
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else r = Node(r, p);
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(rootHash);
    }

    public static bool VerifyConsistency(long first, long second, byte[] firstHash, byte[] secondHash, IReadOnlyList<byte[]> consistencyPath)
    {
        if (first == second) return consistencyPath.Count == 0 && firstHash.AsSpan().SequenceEqual(secondHash);
        if (consistencyPath.Count == 0) return false;
        var path = consistencyPath.ToList();
        if ((first & (first - 1)) == 0) path.Insert(0, firstHash);
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1) { fn >>= 1; sn >>= 1; }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Node(c, fr);
                sr = Node(c, sr);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else sr = Node(sr, c);
            fn >>= 1;
            sn >>= 1;
        }
        return fr.AsSpan().SequenceEqual(firstHash) && sr.AsSpan().SequenceEqual(secondHash) && sn == 0;
    }
}
