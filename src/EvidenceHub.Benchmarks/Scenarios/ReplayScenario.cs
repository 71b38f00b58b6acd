using System.Diagnostics;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;
using Grpc.Core;
using Marten;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 3. An auditor replays a long case. The hub's AuditService.ReplayCase (paged from the store, streamed over TLS, with
/// each event's log position) beside Marten's FetchStreamAsync of the same stream; and the process's peak memory for
/// a case ten times longer, which must not grow with the case.
public sealed class ReplayScenario(BenchContext bench)
{
    private const int FillBatch = 5_000;
    /// Memory counts as flat when ten times the events raise the peak by at most twice as much, give or take this
    /// much GC slack (the server GC's allocation budget alone moves the peak by tens of megabytes).
    private const double GcSlackMb = 32;
    private static readonly Justification Why = new() { Purpose = "benchmark: replay of a long case" };

    public async Task Run()
    {
        var sizes = bench.Sizes;
        var cases = await bench.OpenCases(RunningHub.UnitA, 2);
        var (small, large) = (cases[0], cases[1]);
        var filling = Stopwatch.GetTimestamp();
        await Fill(small, sizes.ReplaySmallCase - 1);
        await Fill(large, sizes.ReplayLargeCase - 1);
        Progress.Say($"replay: cases of {sizes.ReplaySmallCase:N0} and {sizes.ReplayLargeCase:N0} events filled in {Stopwatch.GetElapsedTime(filling).TotalSeconds:F0} s");
        await bench.Settled();

        var audit = bench.Hub.Audit(RunningHub.Auditor);
        try
        {
            await Replay(audit, small, sizes.ReplaySmallCase); // warm-up
        }
        catch (RpcException unavailable) when (unavailable.StatusCode == StatusCode.Unimplemented)
        {
            bench.Report.Add(new ResultRow("ReplayCase") { Note = "not available: this hub does not serve AuditService.ReplayCase" });
            bench.Report.Goal("Replay ≥ 50% of FetchStreamAsync", "not available", null);
            bench.Report.Goal("Flat memory in replay", "not available", null);
            return;
        }

        Progress.Say($"replay: ReplayCase of {sizes.ReplaySmallCase:N0} and {sizes.ReplayLargeCase:N0} events");
        var hubSmall = await Replay(audit, small, sizes.ReplaySmallCase);
        var hubLarge = await Replay(audit, large, sizes.ReplayLargeCase);
        await Fetch(small, sizes.ReplaySmallCase); // warm-up
        var martenSmall = await Fetch(small, sizes.ReplaySmallCase);
        var martenLarge = await Fetch(large, sizes.ReplayLargeCase);

        bench.Report.Add(Row(sizes.ReplayLargeCase, hubLarge, martenLarge));
        bench.Report.Add(Row(sizes.ReplaySmallCase, hubSmall, martenSmall));

        var ratio = hubLarge.Rate.Value / martenLarge.Rate.Value;
        bench.Report.Goal("Replay ≥ 50% of FetchStreamAsync",
            $"{ratio:P0} ({Report.Number(hubLarge.Rate.Value)} vs {Report.Number(martenLarge.Rate.Value)} events/s, {sizes.ReplayLargeCase:N0} events)", ratio >= 0.5);
        var (growthSmall, growthLarge) = (hubSmall.Memory.GrowthMb, hubLarge.Memory.GrowthMb);
        bench.Report.Goal("Flat memory in replay",
            $"peak +{Report.Number(growthLarge)} MB for {sizes.ReplayLargeCase:N0} events vs +{Report.Number(growthSmall)} MB for {sizes.ReplaySmallCase:N0} " +
            $"(flat: at most 2× + {GcSlackMb:F0} MB)",
            growthLarge <= 2 * growthSmall + GcSlackMb);
    }

    private sealed record Replayed(Figure Rate, MemoryFigures Memory, long Events, long Logged, TimeSpan FirstEvent, long RoundTrips = 0);

    private static ResultRow Row(int events, Replayed hub, Replayed marten) => new($"ReplayCase of a {events:N0}-event case")
    {
        Hub = hub.Rate, Baseline = marten.Rate, BaselineName = "Marten FetchStreamAsync",
        P50Ms = null, P99Ms = null, Memory = hub.Memory,
        Note = $"first event after {hub.FirstEvent.TotalMilliseconds:F0} ms; {hub.Logged:N0} of {hub.Events:N0} carried a log position; {hub.RoundTrips:N0} PostgreSQL round trips; " +
               $"{hub.Memory.AllocatedMb * 1024 * 1024 / hub.Events:N0} B allocated per event (FetchStreamAsync: peak +{Report.Number(marten.Memory.GrowthMb)} MB, " +
               $"{marten.Memory.AllocatedMb * 1024 * 1024 / marten.Events:N0} B per event)",
    };

    private async Task Fill(Guid caseId, int events)
    {
        var first = SampleIdentifiers.Reserve(events);
        for (var start = 0; start < events; start += FillBatch)
        {
            var count = Math.Min(FillBatch, events - start);
            await bench.AppendThroughHubStore(RunningHub.UnitA,
                Enumerable.Range(start, count).Select(i => SampleIdentifiers.Added(caseId, first + i)).ToList());
        }
    }

    private static async Task<Replayed> Replay(AuditService.AuditServiceClient audit, Guid caseId, int expected)
    {
        var memory = MemoryWatch.Start();
        var signals = HubSignals.Now();
        var started = Stopwatch.GetTimestamp();
        TimeSpan? firstEvent = null;
        long version = 0, logged = 0;
        using (var call = audit.ReplayCase(new ReplayCaseRequest { CaseId = caseId.ToString(), Justification = Why }))
        {
            await foreach (var replayed in call.ResponseStream.ReadAllAsync())
            {
                firstEvent ??= Stopwatch.GetElapsedTime(started);
                if (replayed.Version != ++version)
                    throw new InvalidOperationException($"ReplayCase sent version {replayed.Version} where {version} was due.");
                if (replayed.HasLogPosition) logged++;
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (version != expected) throw new InvalidOperationException($"ReplayCase sent {version} of {expected} events.");
        var work = HubSignals.Now() - signals;
        return new Replayed(new Figure(version / elapsed.TotalSeconds, "events/s"), await memory.Stop(), version, logged, firstEvent ?? elapsed, work.RoundTrips);
    }

    private async Task<Replayed> Fetch(Guid caseId, int expected)
    {
        var memory = MemoryWatch.Start();
        var started = Stopwatch.GetTimestamp();
        await using var session = bench.Hub.Service<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(caseId);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (events.Count != expected) throw new InvalidOperationException($"FetchStreamAsync returned {events.Count} of {expected} events.");
        return new Replayed(new Figure(events.Count / elapsed.TotalSeconds, "events/s"), await memory.Stop(), events.Count, 0, elapsed);
    }
}
