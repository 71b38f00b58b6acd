namespace EvidenceHub.Hub.Audit;

/// The right edge of a growing tree (one perfect subtree per set bit of its size): appending a leaf completes the
/// perfect subtrees it closes, which the log stores so that proofs never rehash the leaves.
public sealed class MerkleFrontier
{
    private readonly List<(MerkleNode Node, byte[] Hash)> edge;

    public long Size { get; private set; }

    public MerkleFrontier(long size, IReadOnlyList<byte[]> frontierHashes)
    {
        var nodes = MerkleTree.Frontier(size);
        if (nodes.Count != frontierHashes.Count) throw new ArgumentException("one hash per frontier node is needed", nameof(frontierHashes));
        edge = nodes.Zip(frontierHashes, (n, h) => (n, h)).ToList();
        Size = size;
    }

    public static MerkleFrontier Empty() => new(0, []);

    /// Adds a leaf hash; returns the perfect subtrees of level 1 and above that it completed.
    public List<(MerkleNode Node, byte[] Hash)> Append(byte[] leafHash)
    {
        var completed = new List<(MerkleNode, byte[])>();
        var current = (Node: new MerkleNode(0, Size), Hash: leafHash);
        while (edge.Count > 0 && edge[^1].Node.Level == current.Node.Level)
        {
            var left = edge[^1];
            edge.RemoveAt(edge.Count - 1);
            current = (new MerkleNode(current.Node.Level + 1, left.Node.Index >> 1), MerkleTree.NodeHash(left.Hash, current.Hash));
            completed.Add(current);
        }
        edge.Add(current);
        Size++;
        return completed;
    }

    public byte[] Root()
    {
        if (edge.Count == 0) return MerkleTree.EmptyRoot;
        var root = edge[^1].Hash;
        for (var i = edge.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(edge[i].Hash, root);
        return root;
    }
}
