using System.Collections.Concurrent;
using System.Diagnostics;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 4. How long a unit waits to learn of a correlation: unit A holds an identifier, unit B adds the same one, and the
/// clock runs from B's call until the notice arrives on A's open FeedService.Subscribe stream (through the inline
/// correlation decision, the asynchronous feed projection, the feed's polling and the access record of the delivery).
public sealed class CorrelationScenario(BenchContext bench)
{
    private const int WarmUpSamples = 3;
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    public async Task Run()
    {
        var unitA = bench.Hub.Cases(RunningHub.UnitA);
        var unitB = bench.Hub.Cases(RunningHub.UnitB);
        var caseA = (await unitA.OpenCaseAsync(SyncStream.OpenCase(Guid.NewGuid()).OpenCase)).CaseId;
        var caseB = (await unitB.OpenCaseAsync(SyncStream.OpenCase(Guid.NewGuid()).OpenCase)).CaseId;

        var feed = bench.Hub.Feed(RunningHub.UnitA);
        long after = 0;
        using (var backlog = feed.Subscribe(new SubscribeRequest { StopAtEnd = true }))
            await foreach (var item in backlog.ResponseStream.ReadAllAsync()) after = item.Position;

        var awaited = new ConcurrentDictionary<string, TaskCompletionSource<long>>();
        using var stop = new CancellationTokenSource();
        using var subscription = feed.Subscribe(new SubscribeRequest { AfterPosition = after }, cancellationToken: stop.Token);
        var listening = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in subscription.ResponseStream.ReadAllAsync(stop.Token))
                    if (item.Correlation is { } notice && awaited.TryGetValue(notice.IdentifierKey, out var delivered))
                        delivered.TrySetResult(Stopwatch.GetTimestamp());
            }
            catch (Exception ended) when (stop.IsCancellationRequested && ended is OperationCanceledException or RpcException) { }
        });

        var samples = bench.Sizes.CorrelationSamples;
        Progress.Say($"correlation: {samples} samples of B's add → A's feed");
        var delivery = new Latencies(samples);
        var adding = new Latencies(samples);
        var missed = 0;
        for (var i = 0; i < WarmUpSamples + samples; i++)
        {
            var identifier = SampleIdentifiers.Reserve(1);
            var held = await unitA.AddSuspectIdentifierAsync(Add(caseA, identifier));
            var delivered = awaited[held.Identifier.Key] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);

            var started = Stopwatch.GetTimestamp();
            var correlated = await unitB.AddSuspectIdentifierAsync(Add(caseB, identifier));
            var added = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (correlated.Correlations != 1)
                throw new InvalidOperationException($"B's add reported {correlated.Correlations} correlations, not 1.");
            try
            {
                var arrived = await delivered.Task.WaitAsync(GiveUpAfter);
                if (i < WarmUpSamples) continue;
                delivery.AddMilliseconds(Stopwatch.GetElapsedTime(started, arrived).TotalMilliseconds);
                adding.AddMilliseconds(added);
            }
            catch (TimeoutException)
            {
                if (i >= WarmUpSamples) missed++;
            }
        }
        await stop.CancelAsync();
        await listening;

        bench.Report.Add(new ResultRow("Correlation: B's AddSuspectIdentifier → notice on A's feed")
        {
            P50Ms = delivery.Percentile(50), P99Ms = delivery.Percentile(99), BaselineName = "—",
            Note = $"{delivery.Count} of {samples} delivered" + (missed > 0 ? $", {missed} not within {GiveUpAfter.TotalSeconds:F0} s" : "") +
                   $"; B's add itself p50 {Report.Number(adding.Percentile(50) ?? 0)} ms, p99 {Report.Number(adding.Percentile(99) ?? 0)} ms",
        });
        var p99 = delivery.Percentile(99);
        bench.Report.Goal("Correlation delivery p99 < 1 s",
            p99 is { } v ? $"p99 {Report.Number(v)} ms, p50 {Report.Number(delivery.Percentile(50)!.Value)} ms ({delivery.Count} samples{(missed > 0 ? $", {missed} missed" : "")})" : "no deliveries",
            p99 < 1000 && missed == 0);
    }

    private static AddSuspectIdentifierRequest Add(string caseId, long identifier) => new()
    {
        CommandId = Guid.NewGuid().ToString(),
        CaseId = caseId,
        Identifier = SampleIdentifiers.Raw(identifier),
    };
}
