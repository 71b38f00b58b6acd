namespace EvidenceHub.Media.NearMatch;

/// A stored entry within the asked distance of a query hash, and how far it is.
public readonly record struct HashMatch(long Id, int Distance) : IComparable<HashMatch>
{
    /// Closest first; equal distances by id, so that every search answers in the same order.
    public int CompareTo(HashMatch other) =>
        Distance != other.Distance ? Distance.CompareTo(other.Distance) : Id.CompareTo(other.Id);
}
