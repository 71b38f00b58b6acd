using System.Diagnostics;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Media.NearMatch;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 6. Perceptual near-match (issue 14): the multi-index hash beside a scan of every hash, on the same hashes in the
/// same run, at 1 and 10 million stored PDQ hashes, PDQ's distance 31. In memory, no hub: this is the index the hub
/// would keep. A tenth of the stored hashes are near-duplicates of others (as re-encoded copies of one image are); half
/// the queries are near a stored hash and half are new images, which is what most hash checks are.
public sealed class NearMatchScenario(BenchContext bench)
{
    private const int Distance = NearMatchIndex.DefaultMaxDistance;
    private const int QueryCount = 100_000;
    private const int CheckedSample = 300;
    private const int BatchSize = 65_536;
    private const int OneByOneAdds = 100_000;

    public async Task Run()
    {
        foreach (var stored in bench.Sizes.NearMatchStored) await Measure(stored);
    }

    private async Task Measure(int stored)
    {
        var label = stored >= 1_000_000 ? $"{stored / 1_000_000} M" : $"{stored / 1_000} k";
        Progress.Say($"nearmatch: generating {stored:N0} hashes");
        var random = new Random(14_2);
        var hashes = new Hash256[stored];
        var ids = new long[stored];
        for (var i = 0; i < stored; i++)
        {
            hashes[i] = i > 0 && random.Next(10) == 0 ? Flipped(hashes[random.Next(i)], random.Next(1, 24), random) : Hash256.Random(random);
            ids[i] = i;
        }
        var queries = new Hash256[QueryCount];
        for (var q = 0; q < QueryCount; q++)
            queries[q] = q % 2 == 0 ? Flipped(hashes[random.Next(stored)], random.Next(0, 32), random) : Hash256.Random(random);

        Progress.Say($"nearmatch: building the index over {label} hashes");
        var memory = MemoryWatch.Start();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var index = new NearMatchIndex(capacity: stored);
        var building = Stopwatch.GetTimestamp();
        for (var at = 0; at < stored; at += BatchSize)
        {
            var length = Math.Min(BatchSize, stored - at);
            index.AddRange(hashes.AsSpan(at, length), ids.AsSpan(at, length));
        }
        var built = Stopwatch.GetElapsedTime(building);
        var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        var indexMemory = await memory.Stop();
        // Before the one-by-one adds below, which double the slot arrays' capacity.
        var arrayBytes = index.MemoryBytes;
        var scan = new BruteForceScan(stored);
        for (var i = 0; i < stored; i++) scan.Add(hashes[i], ids[i]);

        // One at a time (what correlation on insert does), then out again (retraction): both through the writer's lock.
        var extra = Enumerable.Range(0, OneByOneAdds).Select(_ => Hash256.Random(random)).ToArray();
        var adding = Stopwatch.GetTimestamp();
        for (var i = 0; i < extra.Length; i++) index.Add(extra[i], -1 - i);
        var addsPerSecond = extra.Length / Stopwatch.GetElapsedTime(adding).TotalSeconds;
        var removing = Stopwatch.GetTimestamp();
        for (var i = 0; i < extra.Length; i++)
            if (!index.Remove(extra[i], -1 - i)) throw new InvalidOperationException($"the index lost entry {-1 - i}");
        var removesPerSecond = extra.Length / Stopwatch.GetElapsedTime(removing).TotalSeconds;

        var found = CheckIdentical(index, scan, queries);
        Progress.Say($"nearmatch {label}: {CheckedSample} queries answered identically ({found} matches); measuring");

        var latencies = new Latencies(QueryCount);
        var indexOne = Rate(queries, 1, q => index.Within(q, Distance), latencies);
        var scanOne = Rate(queries, 1, q => scan.Within(q, Distance), null);
        var cores = Environment.ProcessorCount;
        var indexAll = Rate(queries, cores, q => index.Within(q, Distance), null);
        var scanAll = Rate(queries, cores, q => scan.Within(q, Distance), null);

        var perHash = (double)arrayBytes / stored;
        var details = $"distance ≤ {Distance}, {CheckedSample} sampled queries answered identically by both ({found} matches); " +
                      $"index built in {built.TotalSeconds:F1} s ({Report.Number(stored / built.TotalSeconds)} hashes/s in batches of {BatchSize:N0}), " +
                      $"{Report.Number(arrayBytes / 1048576.0)} MB of arrays ({perHash:F0} B/hash; managed heap +{Report.Number(heapGrowth / 1048576.0)} MB), " +
                      $"the scan's arrays {Report.Number(scan.MemoryBytes / 1048576.0)} MB; one-by-one Add {Report.Number(addsPerSecond)}/s, Remove {Report.Number(removesPerSecond)}/s";
        bench.Report.Add(new ResultRow($"Near-match over {label} PDQ hashes, 1 thread")
        {
            Hub = new Figure(indexOne, "queries/s"), Baseline = new Figure(scanOne, "queries/s"), BaselineName = "scan of every hash, same data",
            P50Ms = latencies.Percentile(50), P99Ms = latencies.Percentile(99), Memory = indexMemory, Note = details,
        });
        bench.Report.Add(new ResultRow($"Near-match over {label} PDQ hashes, {cores} threads")
        {
            Hub = new Figure(indexAll, "queries/s"), Baseline = new Figure(scanAll, "queries/s"), BaselineName = "scan of every hash, same data",
        });
        if (stored == 1_000_000)
            bench.Report.Goal("≥ 4,000 near-match queries/s over 1 M PDQ hashes (distance 31)",
                $"{Report.Number(indexAll)} q/s on {cores} threads, {Report.Number(indexOne)} on one", indexAll >= 4_000);
        GC.KeepAlive(hashes);
    }

    /// The sample's answers, id for id and distance for distance; throws on the first difference.
    private static int CheckIdentical(NearMatchIndex index, BruteForceScan scan, Hash256[] queries)
    {
        var found = 0;
        for (var q = 0; q < CheckedSample; q++)
        {
            var fromIndex = index.Within(queries[q], Distance);
            var fromScan = scan.Within(queries[q], Distance);
            if (!fromIndex.SequenceEqual(fromScan))
                throw new InvalidOperationException(
                    $"query {queries[q]}: the index answered {fromIndex.Count} matches, the scan {fromScan.Count}");
            found += fromScan.Count;
        }
        return found;
    }

    /// Queries per second over the budget (or until the queries run out), on this many threads.
    private double Rate(Hash256[] queries, int threads, Func<Hash256, IReadOnlyList<HashMatch>> search, Latencies? latencies)
    {
        var budget = bench.Sizes.NearMatchBudget;
        var next = -1;
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            int q;
            while ((q = Interlocked.Increment(ref next)) < queries.Length && Stopwatch.GetElapsedTime(started) < budget)
            {
                var asked = Stopwatch.GetTimestamp();
                search(queries[q]);
                latencies?.Add(asked);
                Interlocked.Increment(ref done);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = Stopwatch.GetElapsedTime(started);
        return done / elapsed.TotalSeconds;
    }

    private static Hash256 Flipped(Hash256 hash, int bits, Random random)
    {
        for (var i = 0; i < bits; i++) hash = hash.FlipBit(random.Next(Hash256.Bits));
        return hash;
    }
}
