using CsCheck;
using EvidenceHub.Media.NearMatch;

namespace EvidenceHub.Tests.Media;

/// The index must answer exactly what a scan of every hash answers: the same ids at the same distances.
public class NearMatchIndexTests
{
    private const int Pdq = NearMatchIndex.DefaultMaxDistance;

    [Fact]
    public void Exact_distances_0_30_31_32_with_the_flips_spread_so_that_no_chunk_is_an_exact_match()
    {
        var random = new Random(14);
        var query = Hash256.Random(random);
        var stored = new Store(maxDistance: 64);
        foreach (var distance in new[] { 0, 1, 15, 16, 17, 30, 31, 32, 33, 47, 48, 63, 64, 65 })
            stored.Add(SpreadFlips(query, distance, random), distance);
        for (var i = 0; i < 2_000; i++) stored.Add(Hash256.Random(random), 1_000 + i);

        // 31 bits over 16 chunks: 15 chunks two bits off, one chunk one bit off, the only one the index can find it by.
        Assert.Equal([(0L, 0), (1L, 1), (15L, 15), (16L, 16), (17L, 17), (30L, 30), (31L, 31)], stored.AgreeOn(query, Pdq));
        Assert.Equal([(0L, 0), (1L, 1), (15L, 15)], stored.AgreeOn(query, 15));
        Assert.Equal([(0L, 0)], stored.AgreeOn(query, 0));
        Assert.Equal(32, stored.AgreeOn(query, 32)[^1].Distance);
        Assert.Equal(64, stored.AgreeOn(query, 64)[^1].Distance);
        foreach (var distance in new[] { 46, 47, 48, 49, 63 }) stored.AgreeOn(query, distance);
    }

    [Fact]
    public void A_whole_chunk_differing_still_matches_through_the_others()
    {
        var random = new Random(2);
        var query = Hash256.Random(random);
        var stored = new Store();
        // All 16 bits of chunk 7 differ, and one bit in 15 other chunks: 31 in all.
        var near = query;
        for (var bit = 7 * 16; bit < 8 * 16; bit++) near = near.FlipBit(bit);
        for (var chunk = 0; chunk < 16; chunk++)
            if (chunk != 7) near = near.FlipBit(chunk * 16 + random.Next(16));
        stored.Add(near, 1);
        // One bit more, in chunk 8, which is then two bits off: 32.
        var unflipped = Enumerable.Range(8 * 16, 16).First(bit => near.Bit(bit) == query.Bit(bit));
        stored.Add(near.FlipBit(unflipped), 2);
        // 32 bits: two whole chunks.
        var far = query;
        for (var bit = 0; bit < 32; bit++) far = far.FlipBit(bit);
        stored.Add(far, 3);

        Assert.Equal([(1L, 31)], stored.AgreeOn(query, Pdq));
    }

    [Fact]
    public void Thousands_of_hashes_in_the_query_s_own_buckets_are_measured_not_taken()
    {
        var random = new Random(3);
        var query = Hash256.Random(random);
        var stored = new Store();
        // Same chunk 0 and chunk 1 as the query (mostly far away elsewhere), some of them near the query.
        for (var i = 0; i < 5_000; i++)
        {
            var other = Hash256.Random(random);
            var clustered = new Hash256((query.W0 & 0xffff_ffff) | (other.W0 & ~0xffff_ffffUL), other.W1, other.W2, other.W3);
            stored.Add(i % 50 == 0 ? SpreadFlips(query, 20 + i % 17, random, fromChunk: 2) : clustered, i);
        }
        // And many exact duplicates of one near hash under different ids.
        var duplicate = SpreadFlips(query, 29, random);
        for (var i = 0; i < 300; i++) stored.Add(duplicate, 10_000 + i);

        var matches = stored.AgreeOn(query, Pdq);
        Assert.Equal(300 + 5_000 / 50 - Enumerable.Range(0, 5_000).Count(i => i % 50 == 0 && 20 + i % 17 > Pdq), matches.Count);
        stored.AgreeOn(query.FlipBit(200), Pdq);
        stored.AgreeOn(duplicate, Pdq);
    }

    [Fact]
    public void Random_hashes_with_near_duplicates_agree_with_the_scan_at_every_distance()
    {
        var random = new Random(4);
        var stored = new Store(maxDistance: 64);
        var originals = new List<Hash256>();
        for (var i = 0; i < 20_000; i++)
        {
            var hash = i % 10 == 0 && originals.Count > 0
                ? RandomFlips(originals[random.Next(originals.Count)], random.Next(0, 70), random)
                : Hash256.Random(random);
            originals.Add(hash);
            stored.Add(hash, i);
        }
        var found = 0;
        for (var q = 0; q < 200; q++)
        {
            var query = RandomFlips(originals[random.Next(originals.Count)], random.Next(0, 32), random);
            found += stored.AgreeOn(query, Pdq).Count;
            stored.AgreeOn(RandomFlips(query, random.Next(0, 10), random), Pdq);
            stored.AgreeOn(query, random.Next(0, 65));
        }
        Assert.True(found >= 200, $"the queries should find their originals at least ({found})");
    }

    [Fact]
    public void Removed_entries_leave_the_answers_and_the_rest_stay()
    {
        var random = new Random(5);
        var query = Hash256.Random(random);
        var stored = new Store();
        for (var i = 0; i < 3_000; i++)
            stored.Add(i % 3 == 0 ? SpreadFlips(query, i % 32, random) : Hash256.Random(random), i);
        var before = stored.AgreeOn(query, Pdq);

        var removed = new HashSet<long>();
        foreach (var (id, _) in before.Where((_, n) => n % 2 == 0))
        {
            Assert.True(stored.Remove(id));
            removed.Add(id);
        }

        Assert.Equal(before.Where(m => !removed.Contains(m.Id)).ToList(), stored.AgreeOn(query, Pdq));
        Assert.Equal(3_000 - removed.Count, stored.Index.Count);
    }

    [Fact]
    public void Removing_needs_both_the_id_and_the_hash_and_happens_once()
    {
        var random = new Random(6);
        var hash = Hash256.Random(random);
        var index = new NearMatchIndex();
        index.Add(hash, 1);
        index.Add(hash, 2);

        Assert.False(index.Remove(hash, 3));
        Assert.False(index.Remove(hash.FlipBit(9), 1));
        Assert.True(index.Remove(hash, 1));
        Assert.False(index.Remove(hash, 1));
        Assert.Equal([new HashMatch(2, 0)], index.Within(hash, Pdq));

        index.Add(hash, 1);
        Assert.Equal([new HashMatch(1, 0), new HashMatch(2, 0)], index.Within(hash, Pdq));
    }

    [Fact]
    public void Many_removals_rebuild_the_index_without_them_and_it_still_agrees()
    {
        var random = new Random(7);
        var stored = new Store();
        var hashes = Enumerable.Range(0, 8_000).Select(_ => Hash256.Random(random)).ToList();
        for (var i = 0; i < hashes.Count; i++) stored.Add(i % 4 == 0 ? hashes[i] : RandomFlips(hashes[i - i % 4], random.Next(40), random), i);
        var memoryBefore = stored.Index.MemoryBytes;

        for (var i = 0; i < 6_000; i++) Assert.True(stored.Remove(i));

        Assert.True(stored.Index.MemoryBytes < memoryBefore, "a quarter removed: rebuilt without them");
        Assert.Equal(2_000, stored.Index.Count);
        for (var q = 0; q < 100; q++) stored.AgreeOn(RandomFlips(hashes[random.Next(hashes.Count)], random.Next(32), random), Pdq);
        for (var i = 6_000; i < 6_500; i++) Assert.True(stored.Remove(i));
        stored.Add(hashes[0], 0);
        Assert.Contains(new HashMatch(0, 0), stored.Index.Within(hashes[0], 0));
    }

    [Fact]
    public void Distances_beyond_what_the_index_supports_are_refused_clearly()
    {
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => new NearMatchIndex(maxDistance: 65));
        Assert.Contains("scan", outOfRange.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearMatchIndex(maxDistance: -1));
        var index = new NearMatchIndex();
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Within(default, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Within(default, -1));
        Assert.Throws<ArgumentException>(() => index.AddRange([default], [1, 2]));
        Assert.Empty(index.Within(default, 31));
    }

    [Fact]
    public void A_batch_added_at_once_agrees_with_one_by_one()
    {
        var random = new Random(8);
        var hashes = Enumerable.Range(0, 10_000).Select(i => i % 5 == 0 ? Hash256.Random(random) : default).ToArray();
        for (var i = 0; i < hashes.Length; i++)
            if (i % 5 != 0) hashes[i] = RandomFlips(hashes[i - i % 5], random.Next(48), random);
        var ids = Enumerable.Range(0, hashes.Length).Select(i => (long)i).ToArray();
        var batched = new NearMatchIndex();
        batched.AddRange(hashes.AsSpan(0, 6_000), ids.AsSpan(0, 6_000));
        batched.AddRange(hashes.AsSpan(6_000), ids.AsSpan(6_000));
        var scan = new BruteForceScan();
        for (var i = 0; i < hashes.Length; i++) scan.Add(hashes[i], i);

        for (var q = 0; q < 200; q++)
        {
            var query = RandomFlips(hashes[random.Next(hashes.Length)], random.Next(32), random);
            Assert.Equal(scan.Within(query, Pdq), batched.Within(query, Pdq));
        }
    }

    [Fact]
    public void Property_the_index_answers_what_the_scan_answers()
    {
        var hash = Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, (a, b, c, d) => new Hash256(a, b, c, d));
        var flips = Gen.Int[0, 255].Array[0, 40];
        // A base hash, stored variants of it (near and far), removals, a query near the base and a distance.
        var world = Gen.Select(hash, flips.Array[1, 60], hash.Array[0, 30], Gen.Int[0, 100].Array[0, 20], flips, Gen.Int[0, 31]);
        world.Sample((origin, variants, randoms, removals, queryFlips, distance) =>
        {
            var index = new NearMatchIndex();
            var scan = new BruteForceScan();
            var entries = variants.Select(f => f.Aggregate(origin, (h, bit) => h.FlipBit(bit))).Concat(randoms).ToList();
            for (var i = 0; i < entries.Count; i++)
            {
                index.Add(entries[i], i);
                scan.Add(entries[i], i);
            }
            foreach (var r in removals.Where(r => r < entries.Count).Distinct())
                Assert.Equal(scan.Remove(entries[r], r), index.Remove(entries[r], r));
            var query = queryFlips.Aggregate(origin, (h, bit) => h.FlipBit(bit));
            Assert.Equal(scan.Within(query, distance), index.Within(query, distance));
        }, iter: 500);
    }

    [Fact]
    public async Task Readers_see_every_entry_added_before_they_started_while_a_writer_adds_and_removes()
    {
        var random = new Random(9);
        const int entries = 30_000;
        var hashes = Enumerable.Range(0, entries).Select(_ => Hash256.Random(random)).ToArray();
        var index = new NearMatchIndex();
        var added = -1;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var writer = Task.Run(() =>
        {
            for (var i = 0; i < entries; i++)
            {
                if (i % 1_000 == 999) index.AddRange(hashes.AsSpan(i - 998, 999), Enumerable.Range(i - 998, 999).Select(n => (long)n).ToArray());
                else if (i % 1_000 == 0) index.Add(hashes[i], i);
                else continue;
                Volatile.Write(ref added, i);
                // Churn: entries in and out again, enough to make the index rebuild itself meanwhile.
                for (var c = 0; c < 50; c++) index.Add(hashes[i].FlipBit(c), -i - 1);
                for (var c = 0; c < 50; c++) index.Remove(hashes[i].FlipBit(c), -i - 1);
            }
        });
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var mine = new Random(100 + r);
            while (!writer.IsCompleted)
            {
                var known = Volatile.Read(ref added);
                if (known < 0) continue;
                var target = mine.Next(known + 1);
                var query = SpreadFlips(hashes[target], 31, mine);
                var matches = index.Within(query, Pdq);
                if (!matches.Contains(new HashMatch(target, 31))) failures.Enqueue($"entry {target} (of {known} added) not found");
                foreach (var (id, distance) in matches)
                {
                    var hash = id >= 0 ? hashes[id] : hashes[-id - 1];
                    if (hash.DistanceTo(query) > Pdq + 1 || (id >= 0 && hash.DistanceTo(query) != distance))
                        failures.Enqueue($"entry {id} answered at {distance}");
                }
            }
        })).ToArray();
        await Task.WhenAll([writer, .. readers]);

        Assert.Empty(failures);
        Assert.Equal(entries, index.Count);
    }

    /// Flips exactly `distance` bits, spread as evenly as possible over the chunks (from fromChunk on), so that no
    /// chunk is nearer the query than the pigeonhole promises.
    private static Hash256 SpreadFlips(Hash256 hash, int distance, Random random, int fromChunk = 0)
    {
        var chunks = 16 - fromChunk;
        var positions = new List<int>();
        for (var chunk = fromChunk; chunk < 16; chunk++)
        {
            var here = distance / chunks + (chunk - fromChunk < distance % chunks ? 1 : 0);
            positions.AddRange(Enumerable.Range(chunk * 16, 16).OrderBy(_ => random.Next()).Take(here));
        }
        return positions.Aggregate(hash, (h, bit) => h.FlipBit(bit));
    }

    private static Hash256 RandomFlips(Hash256 hash, int distance, Random random) =>
        Enumerable.Range(0, 256).OrderBy(_ => random.Next()).Take(distance).Aggregate(hash, (h, bit) => h.FlipBit(bit));

    /// The index and the scan over the same entries.
    private sealed class Store(int maxDistance = Pdq)
    {
        private readonly Dictionary<long, Hash256> byId = [];
        public NearMatchIndex Index { get; } = new(maxDistance);
        public BruteForceScan Scan { get; } = new();

        public void Add(Hash256 hash, long id)
        {
            byId.Add(id, hash);
            Index.Add(hash, id);
            Scan.Add(hash, id);
        }

        public bool Remove(long id)
        {
            var hash = byId[id];
            byId.Remove(id);
            var fromScan = Scan.Remove(hash, id);
            Assert.Equal(fromScan, Index.Remove(hash, id));
            return fromScan;
        }

        public List<(long Id, int Distance)> AgreeOn(Hash256 query, int distance)
        {
            var expected = Scan.Within(query, distance);
            Assert.Equal(expected, Index.Within(query, distance));
            return expected.Select(m => (m.Id, m.Distance)).ToList();
        }
    }
}
