namespace EvidenceHub.Hub.Audit;

/// A perfect subtree of the log: the 2^Level leaves starting at Index * 2^Level. Level 0 is a leaf.
public readonly record struct MerkleNode(int Level, long Index)
{
    public long Start => Index << Level;
    public long End => (Index + 1) << Level;
}
