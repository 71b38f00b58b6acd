using System.Numerics;
using System.Security.Cryptography;

namespace EvidenceHub.Hub.Audit;

/// RFC 9162 section 2.1: the Merkle tree hash, inclusion paths and consistency proofs. Every subtree the RFC's
/// recursion touches is a run of perfect subtrees aligned on their size, so all of it is computed from stored
/// perfect-subtree hashes (O(log² n) of them) instead of from every leaf.
public static class MerkleTree
{
    public const int HashSize = 32;

    public static byte[] EmptyRoot { get; } = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        var input = new byte[leaf.Length + 1];
        input[0] = 0x00;
        leaf.CopyTo(input.AsSpan(1));
        return SHA256.HashData(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * HashSize];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        return SHA256.HashData(input);
    }

    /// MTH(D[0:size]).
    public static byte[] Root(long size, Func<MerkleNode, byte[]> node) =>
        size == 0 ? EmptyRoot : Subtree(0, size, node);

    /// PATH(index, D[0:size]): the audit path of leaf index, leaf side first.
    public static List<byte[]> InclusionPath(long index, long size, Func<MerkleNode, byte[]> node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var path = new List<byte[]>();
        Path(index, 0, size, node, path);
        return path;
    }

    /// PROOF(first, D[0:second]), 0 < first <= second.
    public static List<byte[]> ConsistencyPath(long first, long second, Func<MerkleNode, byte[]> node)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(first, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, second);
        var proof = new List<byte[]>();
        SubProof(first, 0, second, true, node, proof);
        return proof;
    }

    /// The perfect subtrees a computation reads, found by running it once on placeholder hashes: the set depends
    /// only on the sizes and positions, so the storage can fetch them all in one round trip.
    public static HashSet<MerkleNode> NodesRead(Action<Func<MerkleNode, byte[]>> computation)
    {
        var read = new HashSet<MerkleNode>();
        var placeholder = new byte[HashSize];
        computation(n => { read.Add(n); return placeholder; });
        return read;
    }

    /// The perfect subtrees that make up D[0:size], largest (leftmost) first: one per set bit of size.
    public static List<MerkleNode> Frontier(long size)
    {
        var nodes = new List<MerkleNode>();
        long start = 0;
        for (var level = 62; level >= 0; level--)
        {
            if ((size & (1L << level)) == 0) continue;
            nodes.Add(new MerkleNode(level, start >> level));
            start += 1L << level;
        }
        return nodes;
    }

    // MTH(D[start:start+size]) where start is aligned on the largest power of two below size (always so here).
    private static byte[] Subtree(long start, long size, Func<MerkleNode, byte[]> node)
    {
        if (BitOperations.IsPow2(size)) return node(new MerkleNode(BitOperations.Log2((ulong)size), start >> BitOperations.Log2((ulong)size)));
        var k = LargestPowerOfTwoBelow(size);
        return NodeHash(Subtree(start, k, node), Subtree(start + k, size - k, node));
    }

    private static void Path(long index, long start, long size, Func<MerkleNode, byte[]> node, List<byte[]> path)
    {
        if (size == 1) return;
        var k = LargestPowerOfTwoBelow(size);
        if (index < k)
        {
            Path(index, start, k, node, path);
            path.Add(Subtree(start + k, size - k, node));
        }
        else
        {
            Path(index - k, start + k, size - k, node, path);
            path.Add(Subtree(start, k, node));
        }
    }

    private static void SubProof(long first, long start, long size, bool complete, Func<MerkleNode, byte[]> node, List<byte[]> proof)
    {
        if (first == size)
        {
            if (!complete) proof.Add(Subtree(start, size, node));
            return;
        }
        var k = LargestPowerOfTwoBelow(size);
        if (first <= k)
        {
            SubProof(first, start, k, complete, node, proof);
            proof.Add(Subtree(start + k, size - k, node));
        }
        else
        {
            SubProof(first - k, start + k, size - k, false, node, proof);
            proof.Add(Subtree(start, k, node));
        }
    }

    /// The largest power of two strictly less than n (n > 1).
    public static long LargestPowerOfTwoBelow(long n) => 1L << BitOperations.Log2((ulong)(n - 1));
}
