using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Telemetry;
using Grpc.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;

namespace EvidenceHub.Hub.Feed;

/// Streams a unit's feed from its stored entries: each subscriber reads at its own pace from PostgreSQL, so a slow
/// client slows nobody, and any hub instance serves any unit. A subscriber that has read everything waits, without
/// querying, until FeedSignals says that its unit has new items (or the slow safety poll, Limits:Feed, comes round).
public sealed class FeedService(IDocumentStore store, AccessLog accessLog, FeedSignals signals, IOptions<HubLimits> limits) : Contracts.V1.FeedService.FeedServiceBase
{
    public const int PageSize = 500;

    /// Partners too: a narrowed sharing policy tells them what they may no longer use of their lookups' answers. And
    /// hosting parties: the takedown requests addressed to them (nothing else is ever addressed to a provider).
    [Authorize(Roles = $"{Roles.Unit},{Roles.Partner},{Roles.Provider}")]
    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<FeedItem> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var cancellation = context.CancellationToken;
        if (request.AfterPosition < 0) throw Rejection.InvalidArgument("after_position", "must not be negative");
        var after = request.AfterPosition;
        var safetyPoll = TimeSpan.FromMilliseconds(limits.Value.Feed.SafetyPollMilliseconds);

        while (!cancellation.IsCancellationRequested)
        {
            // Taken before the read: items committed while it runs still wake this subscriber.
            var newItems = signals.Next(caller.UnitId);
            IReadOnlyList<FeedEntry> page;
            await using (var session = store.QuerySession())
                page = await session.Query<FeedEntry>()
                    .Where(e => e.Unit == caller.UnitId && e.Position > after)
                    .OrderBy(e => e.Position).Take(PageSize).ToListAsync(cancellation);

            if (page.Count == 0)
            {
                if (request.StopAtEnd) return;
                await Woken(newItems, safetyPoll, cancellation);
                continue;
            }

            List<FeedItem> items;
            await using (var session = store.QuerySession())
            {
                items = await FeedTexts.Delivered(session, page, cancellation);
                await FeedIdentifierNames.NameForRecipient(session, page, items, cancellation);
            }
            // A delivery discloses case data: it is logged before it leaves.
            await accessLog.Record(AccessEntry.For(caller, nameof(Subscribe), HubTelemetry.CorrelationIdOf(context)).Justified("feed delivery")
                .Asking($"feed after position {after}")
                .Allowed($"{items.Count} items, positions {items[0].Position}..{items[^1].Position}: " +
                         string.Join(", ", items.Select(i => i.ItemCase.ToString().ToLowerInvariant()).CountBy(k => k).Select(c => $"{c.Value} {c.Key}"))), cancellation);
            foreach (var item in items) await responseStream.WriteAsync(item, cancellation);
            after = items[^1].Position;
        }
    }

    private static async Task Woken(Task newItems, TimeSpan safetyPoll, CancellationToken cancellation)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var backstop = Task.Delay(safetyPoll, poll.Token);
        await Task.WhenAny(newItems, backstop);
        await poll.CancelAsync();
        cancellation.ThrowIfCancellationRequested();
    }
}
