using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EvidenceHub.Media.NearMatch;

/// Every stored PDQ hash within a Hamming distance of a query, without looking at them all: multi-index hashing
/// (Norouzi, Punjani and Fleet 2014; Meta's pdq/cpp/index/mih.h) over the hash's 16 chunks of 16 bits. By pigeonhole a
/// hash within d of the query has some chunk within d / 16 bits of the query's chunk at the same place (within 1 bit
/// for PDQ's 31), so the index keeps, per chunk place and chunk value, the slots of the hashes that have it; a search
/// looks up the query's chunks and their neighbours and measures only the hashes it finds there.
///
/// Storage is flat: the hashes as four words per slot, the ids, a removed flag, and one int array of slots per
/// (place, value) bucket, so about 105 bytes per hash and no object per hash. Removal marks the slot; once a quarter of
/// the slots are removed the index rebuilds itself without them.
///
/// Writes take a lock (one writer at a time); searches take none and may run while a writer adds or removes. A search
/// sees exactly the entries whose Add had returned when it started, less those removed meanwhile or before.
public sealed class NearMatchIndex
{
    public const int Chunks = 16;
    /// 64 / 16 = 4 bits per chunk: 2,517 neighbours of each chunk value to look up. Beyond that a scan is cheaper.
    public const int MaxSupportedDistance = 64;
    public const int DefaultMaxDistance = 31;

    private const int ChunkBits = 16;
    private const int CompactAfterRemoved = 1024;
    private const int ReserveFromBatchesOf = 4096;

    private readonly Lock writing = new();
    private Table table;

    public NearMatchIndex(int maxDistance = DefaultMaxDistance, int capacity = 16)
    {
        if (maxDistance is < 0 or > MaxSupportedDistance)
            throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance,
                $"The near-match index answers Hamming distances from 0 to {MaxSupportedDistance}; farther than that, scan every hash.");
        MaxDistance = maxDistance;
        table = new Table(capacity);
    }

    /// The farthest distance a search may ask for.
    public int MaxDistance { get; }

    /// Entries stored and not removed.
    public int Count
    {
        get
        {
            lock (writing) return table.Count - table.Removed;
        }
    }

    public void Add(in Hash256 hash, long id) => AddRange([hash], [id]);

    /// Adds many at once: each bucket grows once to its final size, and searches see the whole batch or none of it.
    public void AddRange(ReadOnlySpan<Hash256> hashes, ReadOnlySpan<long> ids)
    {
        if (hashes.Length != ids.Length) throw new ArgumentException("One id per hash.", nameof(ids));
        if (hashes.IsEmpty) return;
        lock (writing) table.Append(hashes, ids);
    }

    /// Takes out the entry with this id and hash (a retracted or erased media record); false when there is none.
    public bool Remove(in Hash256 hash, long id)
    {
        lock (writing)
        {
            if (!table.MarkRemoved(hash, id)) return false;
            if (table.Removed >= CompactAfterRemoved && table.Removed * 4L >= table.Count)
                Volatile.Write(ref table, table.WithoutRemoved());
            return true;
        }
    }

    /// The entries within distance of the query, closest first.
    public IReadOnlyList<HashMatch> Within(in Hash256 query, int distance)
    {
        if (distance < 0 || distance > MaxDistance)
            throw new ArgumentOutOfRangeException(nameof(distance), distance,
                $"This near-match index answers distances from 0 to {MaxDistance}.");
        var matches = new List<HashMatch>();
        Volatile.Read(ref table).Search(query, distance, matches);
        matches.Sort();
        return matches;
    }

    /// What the index's arrays take, in bytes (the .NET object headers included).
    public long MemoryBytes
    {
        get
        {
            lock (writing) return table.MemoryBytes();
        }
    }

    /// One generation of the index. Append-only between rebuilds: a reader reads the published count, then the slots,
    /// then the buckets, and ignores any slot at or past that count, so it never sees a half-written entry.
    private sealed class Table(int capacity)
    {
        private Slots slots = new(Math.Max(1, capacity));
        private readonly int[]?[] buckets = new int[]?[Chunks << ChunkBits];
        private int count;

        public int Count => count;
        public int Removed { get; private set; }

        public void Append(ReadOnlySpan<Hash256> hashes, ReadOnlySpan<long> ids)
        {
            var first = count;
            var current = slots;
            if (first + hashes.Length > current.Capacity)
            {
                current = current.GrownTo(Math.Max(first + hashes.Length, (int)Math.Min(Array.MaxLength / 4, current.Capacity * 2L)));
                Volatile.Write(ref slots, current);
            }
            for (var i = 0; i < hashes.Length; i++) current.Set(first + i, hashes[i], ids[i]);
            if (hashes.Length >= ReserveFromBatchesOf) ReserveBuckets(hashes);
            for (var i = 0; i < hashes.Length; i++)
                for (var c = 0; c < Chunks; c++)
                    Post(ref buckets[(c << ChunkBits) | hashes[i].Chunk(c)], first + i);
            Volatile.Write(ref count, first + hashes.Length);
        }

        /// Grows each bucket a batch touches once, to at least what it will hold.
        private void ReserveBuckets(ReadOnlySpan<Hash256> hashes)
        {
            var adding = new int[buckets.Length];
            foreach (var hash in hashes)
                for (var c = 0; c < Chunks; c++)
                    adding[(c << ChunkBits) | hash.Chunk(c)]++;
            for (var b = 0; b < buckets.Length; b++)
            {
                if (adding[b] == 0) continue;
                var bucket = buckets[b];
                var held = bucket?[0] ?? 0;
                if (bucket is not null && held + adding[b] < bucket.Length) continue;
                // Geometric, so that many batches cost what one does.
                var grown = new int[Math.Max(held + adding[b] + 1, (bucket?.Length ?? 0) * 3 / 2)];
                if (bucket is not null) Array.Copy(bucket, grown, held + 1);
                Volatile.Write(ref buckets[b], grown);
            }
        }

        /// A bucket is its length in [0] and its slots, in increasing order, after it.
        private static void Post(ref int[]? bucket, int slot)
        {
            var current = bucket;
            var held = current?[0] ?? 0;
            if (current is null || held + 1 == current.Length)
            {
                var grown = new int[Math.Max(4, (held + 1) * 3 / 2 + 1)];
                if (current is not null) Array.Copy(current, grown, held + 1);
                grown[held + 1] = slot;
                grown[0] = held + 1;
                Volatile.Write(ref bucket, grown);
                return;
            }
            current[held + 1] = slot;
            Volatile.Write(ref current[0], held + 1);
        }

        public bool MarkRemoved(in Hash256 hash, long id)
        {
            // Any of the hash's 16 buckets holds its slot: look in the shortest.
            int[]? shortest = null;
            for (var c = 0; c < Chunks; c++)
            {
                var bucket = buckets[(c << ChunkBits) | hash.Chunk(c)];
                if (bucket is null) return false;
                if (shortest is null || bucket[0] < shortest[0]) shortest = bucket;
            }
            for (var j = 1; j <= shortest![0]; j++)
            {
                var s = shortest[j];
                if (slots.Ids[s] != id || slots.IsRemoved(s) || slots.HashAt(s) != hash) continue;
                slots.MarkRemoved(s);
                Removed++;
                return true;
            }
            return false;
        }

        public Table WithoutRemoved()
        {
            var live = count - Removed;
            var hashes = new Hash256[live];
            var ids = new long[live];
            var n = 0;
            for (var s = 0; s < count; s++)
            {
                if (slots.IsRemoved(s)) continue;
                hashes[n] = slots.HashAt(s);
                ids[n++] = slots.Ids[s];
            }
            var rebuilt = new Table(Math.Max(live, 16));
            if (live > 0) rebuilt.Append(hashes, ids);
            return rebuilt;
        }

        public void Search(in Hash256 query, int distance, List<HashMatch> matches)
        {
            var visible = Volatile.Read(ref count);
            var current = Volatile.Read(ref slots);
            var radius = distance / Chunks;
            var flips = NeighbourFlips.Within(radius);
            ref var words = ref MemoryMarshal.GetArrayDataReference(current.Hashes);
            var (q0, q1, q2, q3) = (query.W0, query.W1, query.W2, query.W3);
            for (var c = 0; c < Chunks; c++)
            {
                var place = c << ChunkBits;
                var value = query.Chunk(c);
                foreach (var flip in flips)
                {
                    var bucket = Volatile.Read(ref buckets[place | (value ^ flip)]);
                    if (bucket is null) continue;
                    var held = Volatile.Read(ref bucket[0]);
                    for (var j = 1; j <= held; j++)
                    {
                        var s = bucket[j];
                        if (s >= visible) break;
                        ref var h = ref Unsafe.Add(ref words, s * 4);
                        var x0 = h ^ q0;
                        var x1 = Unsafe.Add(ref h, 1) ^ q1;
                        var x2 = Unsafe.Add(ref h, 2) ^ q2;
                        var x3 = Unsafe.Add(ref h, 3) ^ q3;
                        var d = BitOperations.PopCount(x0) + BitOperations.PopCount(x1) + BitOperations.PopCount(x2) + BitOperations.PopCount(x3);
                        if (d > distance || current.IsRemoved(s)) continue;
                        // A match near the query in an earlier chunk was found, and counted, there.
                        if (NearInEarlierChunk(new Hash256(x0, x1, x2, x3), c, radius)) continue;
                        matches.Add(new HashMatch(current.Ids[s], d));
                    }
                }
            }
        }

        private static bool NearInEarlierChunk(in Hash256 difference, int chunk, int radius)
        {
            for (var c = 0; c < chunk; c++)
                if (BitOperations.PopCount((uint)difference.Chunk(c)) <= radius)
                    return true;
            return false;
        }

        public long MemoryBytes()
        {
            const int arrayHeader = 24;
            long bytes = slots.MemoryBytes + buckets.LongLength * IntPtr.Size + arrayHeader;
            foreach (var bucket in buckets)
                if (bucket is not null) bytes += bucket.LongLength * sizeof(int) + arrayHeader;
            return bytes;
        }
    }

    /// The stored entries, by slot. Replaced (copied) when it fills up, so a reader holding the old one stays correct.
    private sealed class Slots(int capacity)
    {
        public readonly ulong[] Hashes = new ulong[capacity * 4L];
        public readonly long[] Ids = new long[capacity];
        private readonly byte[] removed = new byte[capacity];

        public int Capacity => Ids.Length;

        public void Set(int s, in Hash256 hash, long id)
        {
            Hashes[s * 4] = hash.W0;
            Hashes[s * 4 + 1] = hash.W1;
            Hashes[s * 4 + 2] = hash.W2;
            Hashes[s * 4 + 3] = hash.W3;
            Ids[s] = id;
        }

        public Hash256 HashAt(int s) => new(Hashes[s * 4], Hashes[s * 4 + 1], Hashes[s * 4 + 2], Hashes[s * 4 + 3]);

        public bool IsRemoved(int s) => Volatile.Read(ref removed[s]) != 0;

        public void MarkRemoved(int s) => Volatile.Write(ref removed[s], 1);

        public Slots GrownTo(int newCapacity)
        {
            var grown = new Slots(newCapacity);
            Array.Copy(Hashes, grown.Hashes, Hashes.Length);
            Array.Copy(Ids, grown.Ids, Ids.Length);
            Array.Copy(removed, grown.removed, removed.Length);
            return grown;
        }

        public long MemoryBytes => Hashes.LongLength * sizeof(ulong) + Ids.LongLength * sizeof(long) + removed.LongLength;
    }

    /// The 16-bit masks with at most r bits set: XORed with a chunk value, its neighbours within r bits.
    private static class NeighbourFlips
    {
        private static readonly ushort[][] ByRadius = Enumerable.Range(0, MaxSupportedDistance / Chunks + 1)
            .Select(r => Enumerable.Range(0, 1 << ChunkBits).Where(m => BitOperations.PopCount((uint)m) <= r)
                .OrderBy(m => BitOperations.PopCount((uint)m)).Select(m => (ushort)m).ToArray())
            .ToArray();

        public static ushort[] Within(int radius) => ByRadius[radius];
    }
}
