using EvidenceHub.Hub.Audit;

namespace EvidenceHub.Tests.Audit;

/// The hub's RFC 9162 tree against the Certificate Transparency test vectors and against the independent verifier.
public sealed class MerkleTreeTests
{
    // The leaves and roots used by the CT reference implementations' tests (RFC 6962 / RFC 9162 hashing).
    private static readonly byte[][] VectorLeaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly string[] VectorRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Roots_match_the_Certificate_Transparency_test_vectors()
    {
        var frontier = MerkleFrontier.Empty();
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(frontier.Root()));
        for (var n = 1; n <= VectorLeaves.Length; n++)
        {
            frontier.Append(MerkleTree.LeafHash(VectorLeaves[n - 1]));
            Assert.Equal(VectorRoots[n - 1], Convert.ToHexStringLower(frontier.Root()));
            Assert.Equal(VectorRoots[n - 1], Convert.ToHexStringLower(MerkleTree.Root(n, Nodes(VectorLeaves.Take(n).Select(l => MerkleTree.LeafHash(l)).ToList()))));
        }
    }

    [Fact]
    public void Inclusion_and_consistency_proofs_verify_for_every_size_up_to_70()
    {
        var leafHashes = Leaves(70);
        var nodes = Nodes(leafHashes);
        for (var size = 1; size <= leafHashes.Count; size++)
        {
            var root = Rfc9162.Root(leafHashes, 0, size);
            Assert.Equal(root, MerkleTree.Root(size, nodes));
            for (var index = 0; index < size; index++)
                Assert.True(Rfc9162.VerifyInclusion(index, size, leafHashes[index], MerkleTree.InclusionPath(index, size, nodes), root), $"inclusion {index} in {size}");
            for (var first = 1; first <= size; first++)
                Assert.True(Rfc9162.VerifyConsistency(first, size, Rfc9162.Root(leafHashes, 0, first), root,
                    MerkleTree.ConsistencyPath(first, size, nodes)), $"consistency {first} → {size}");
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(4099)]
    public void Proofs_verify_in_larger_trees_and_read_few_stored_nodes(int size)
    {
        var leafHashes = Leaves(size);
        var nodes = Nodes(leafHashes);
        var root = Rfc9162.Root(leafHashes, 0, size);
        var random = new Random(size);
        foreach (var index in new[] { 0, size - 1, size / 2 }.Concat(Enumerable.Range(0, 20).Select(_ => random.Next(size))))
        {
            var path = MerkleTree.InclusionPath(index, size, nodes);
            Assert.True(Rfc9162.VerifyInclusion(index, size, leafHashes[index], path, root));
            var read = MerkleTree.NodesRead(n => MerkleTree.InclusionPath(index, size, n));
            Assert.True(read.Count <= 13 * 13, $"{read.Count} nodes read for one proof");
        }
        foreach (var first in new[] { 1, 2, 3, size / 3, size / 2, size - 1, size }.Concat(Enumerable.Range(0, 20).Select(_ => 1 + random.Next(size))))
            Assert.True(Rfc9162.VerifyConsistency(first, size, Rfc9162.Root(leafHashes, 0, first), root, MerkleTree.ConsistencyPath(first, size, nodes)));
    }

    [Fact]
    public void A_proof_for_another_leaf_or_a_changed_path_does_not_verify()
    {
        var leafHashes = Leaves(13);
        var nodes = Nodes(leafHashes);
        var root = Rfc9162.Root(leafHashes, 0, 13);
        var path = MerkleTree.InclusionPath(5, 13, nodes);
        Assert.False(Rfc9162.VerifyInclusion(6, 13, leafHashes[5], path, root));
        Assert.False(Rfc9162.VerifyInclusion(5, 13, leafHashes[6], path, root));
        path[1] = (byte[])path[1].Clone();
        path[1][0] ^= 1;
        Assert.False(Rfc9162.VerifyInclusion(5, 13, leafHashes[5], path, root));

        var consistency = MerkleTree.ConsistencyPath(6, 13, nodes);
        Assert.False(Rfc9162.VerifyConsistency(6, 13, Rfc9162.Root(leafHashes, 0, 7), root, consistency));
    }

    [Fact]
    public void The_frontier_stores_exactly_the_perfect_subtrees_it_completes()
    {
        var leafHashes = Leaves(37);
        var frontier = MerkleFrontier.Empty();
        var stored = new Dictionary<MerkleNode, byte[]>();
        for (var i = 0; i < leafHashes.Count; i++)
        {
            stored[new MerkleNode(0, i)] = leafHashes[i];
            foreach (var (node, hash) in frontier.Append(leafHashes[i])) stored.Add(node, hash);
        }
        foreach (var (node, hash) in stored)
            Assert.Equal(Rfc9162.Root(leafHashes, (int)node.Start, (int)(node.End - node.Start)), hash);
        // 37 leaves complete 18 + 9 + 4 + 2 + 1 perfect subtrees above them.
        Assert.Equal(37 + 34, stored.Count);

        // A frontier rebuilt from the stored edge goes on exactly as the original.
        var rebuilt = new MerkleFrontier(37, MerkleTree.Frontier(37).Select(n => stored[n]).ToList());
        var more = Leaves(50);
        for (var i = 37; i < 50; i++) { frontier.Append(more[i]); rebuilt.Append(more[i]); }
        Assert.Equal(frontier.Root(), rebuilt.Root());
    }

    private static List<byte[]> Leaves(int count)
    {
        var random = new Random(count);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var leaf = new byte[random.Next(0, 40)];
            random.NextBytes(leaf);
            return MerkleTree.LeafHash(leaf);
        }).ToList();
    }

    /// Stored perfect subtrees, as the hub's tables would hold them, computed with the independent implementation.
    private static Func<MerkleNode, byte[]> Nodes(IReadOnlyList<byte[]> leafHashes) =>
        node =>
        {
            Assert.True(node.End <= leafHashes.Count, $"node {node} lies beyond the tree");
            return Rfc9162.Root(leafHashes, (int)node.Start, (int)(node.End - node.Start));
        };
}
