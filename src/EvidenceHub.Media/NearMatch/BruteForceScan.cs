using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EvidenceHub.Media.NearMatch;

/// Every stored hash compared with the query: the honest baseline for <see cref="NearMatchIndex"/> (and its oracle in the
/// tests). One flat array of words, four hardware popcounts per hash; .NET exposes no vector popcount on x86, and the
/// scan is bound by memory bandwidth long before the popcounts matter. Not safe for writes during searches.
public sealed class BruteForceScan(int capacity = 16)
{
    private ulong[] hashes = new ulong[Math.Max(1, capacity) * 4];
    private long[] ids = new long[Math.Max(1, capacity)];

    public int Count { get; private set; }

    public void Add(in Hash256 hash, long id)
    {
        if (Count == ids.Length)
        {
            Array.Resize(ref ids, ids.Length * 2);
            Array.Resize(ref hashes, ids.Length * 4);
        }
        var at = Count * 4;
        hashes[at] = hash.W0;
        hashes[at + 1] = hash.W1;
        hashes[at + 2] = hash.W2;
        hashes[at + 3] = hash.W3;
        ids[Count++] = id;
    }

    /// Removes one entry with this id and hash; false when there is none.
    public bool Remove(in Hash256 hash, long id)
    {
        for (var s = 0; s < Count; s++)
        {
            if (ids[s] != id || HashAt(s) != hash) continue;
            var last = --Count;
            ids[s] = ids[last];
            Array.Copy(hashes, last * 4, hashes, s * 4, 4);
            return true;
        }
        return false;
    }

    public IReadOnlyList<HashMatch> Within(in Hash256 query, int distance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(distance);
        var matches = new List<HashMatch>();
        ref var words = ref MemoryMarshal.GetArrayDataReference(hashes);
        var (q0, q1, q2, q3) = (query.W0, query.W1, query.W2, query.W3);
        for (var s = 0; s < Count; s++)
        {
            ref var h = ref Unsafe.Add(ref words, s * 4);
            var d = BitOperations.PopCount(h ^ q0) + BitOperations.PopCount(Unsafe.Add(ref h, 1) ^ q1) +
                    BitOperations.PopCount(Unsafe.Add(ref h, 2) ^ q2) + BitOperations.PopCount(Unsafe.Add(ref h, 3) ^ q3);
            if (d <= distance) matches.Add(new HashMatch(ids[s], d));
        }
        matches.Sort();
        return matches;
    }

    public long MemoryBytes => hashes.LongLength * sizeof(ulong) + ids.LongLength * sizeof(long);

    private Hash256 HashAt(int s) => new(hashes[s * 4], hashes[s * 4 + 1], hashes[s * 4 + 2], hashes[s * 4 + 3]);
}
