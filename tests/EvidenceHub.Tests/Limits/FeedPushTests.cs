using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Limits;

/// Feed subscribers wait on PostgreSQL NOTIFY (one LISTEN connection per hub process), not on a poll of their own.
public sealed class FeedPushTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private const int Subscribers = 200;

    /// Every read of the feed's table so far, as PostgreSQL counts them (sequential and index scans).
    private async Task<long> FeedTableScans()
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE schemaname = 'evidencehub' AND relname = 'mt_doc_feedentry'",
            connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string> HandoffTo(string unit, Action<string>? beforeRequest = null)
    {
        var ca = hub.Cases("CA-RCMP-NCECC");
        var caseId = await ca.OpenedCase();
        beforeRequest?.Invoke(caseId);
        await ca.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = unit, Reason = "yours" });
        return caseId;
    }

    [Fact]
    public async Task Idle_subscribers_query_nothing_and_a_new_item_still_reaches_every_one()
    {
        // The safety poll is set far beyond the test: only a notification can wake a subscriber here.
        await using var limited = new LimitedHub(hub,
            ("Limits:Streams:MaxSubscribePerUnit", $"{Subscribers + 10}"),
            ("Limits:Feed:SafetyPollMilliseconds", "600000"));
        var from = await hub.Feed("BE-FCCU").LastPosition();
        var firstCase = await HandoffTo("BE-FCCU");
        var first = (await hub.FeedAfter("BE-FCCU", from))
            .Single(i => i.Handoff?.CaseId == firstCase).Position;

        string? secondCase = null;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var caughtUp = Enumerable.Range(0, Subscribers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var woken = Enumerable.Range(0, Subscribers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var feed = limited.Feed("BE-FCCU");
        var following = Enumerable.Range(0, Subscribers).Select(n => Task.Run(async () =>
        {
            using var call = feed.Subscribe(new SubscribeRequest { AfterPosition = first - 1 }, cancellationToken: cancel.Token);
            try
            {
                while (await call.ResponseStream.MoveNext(cancel.Token))
                {
                    var item = call.ResponseStream.Current;
                    if (item.Position == first) caughtUp[n].TrySetResult();
                    if (secondCase is not null && item.Handoff?.CaseId == secondCase) { woken[n].TrySetResult(); return; }
                }
            }
            catch (RpcException) when (cancel.IsCancellationRequested) { }
        })).ToList();

        await Task.WhenAll(caughtUp.Select(c => c.Task)).WaitAsync(cancel.Token);
        // Every subscriber has read to the end and waits; their last reads reach the statistics within a second.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = await FeedTableScans();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = await FeedTableScans() - before;
        // Polling every 100 ms, 200 subscribers read the table about 6,000 times in these 3 s.
        Assert.True(idle < Subscribers / 4, $"{idle} reads of the feed while {Subscribers} subscribers were idle");

        await HandoffTo("BE-FCCU", caseId => secondCase = caseId);
        await Task.WhenAll(woken.Select(w => w.Task)).WaitAsync(cancel.Token);
        await cancel.CancelAsync();
        await Task.WhenAll(following);
    }
}
