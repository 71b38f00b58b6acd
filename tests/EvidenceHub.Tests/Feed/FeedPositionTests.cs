using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Feed;
using EvidenceHub.Tests.Infrastructure;
using EvidenceHub.Tests.NonInterference;
using Grpc.Core;
using Marten.Events.Daemon.Coordination;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Feed;

/// A unit's feed positions are its own count (1, 2, 3, …), not a global counter: with a global one, the gap between two
/// notices a unit makes to itself counts the events in between, one CorrelationFound per hidden holder included.
/// Two fresh hubs: world A with a RED and an unlisted AMBER case of another unit holding X, world B without.
public sealed class FeedPositionTests(TwoWorlds worlds) : IClassFixture<TwoWorlds>
{
    private const string Observer = "NL-TBKK";

    [Fact]
    public async Task Feed_positions_are_dense_per_unit_and_do_not_count_hidden_holders()
    {
        var feeds = await BothWorlds();
        foreach (var feed in feeds)
            Assert.Equal(Enumerable.Range(1, feed.Count).Select(p => (long)p), feed.Select(i => i.Position));
        Assert.Equal(feeds[0].Select(Seen), feeds[1].Select(Seen));
    }

    [Fact]
    public async Task A_rebuilt_feed_gives_every_item_the_position_it_had()
    {
        await BothWorlds();
        var hub = worlds.A;
        var before = await Everyone(hub);

        var daemon = hub.Factory.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        await daemon.RebuildProjectionAsync<FeedProjection>(TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(before, await Everyone(hub));
    }

    /// The attack in both worlds with the same values (both tests keep the two worlds alike for the observer).
    private async Task<List<FeedItem>[]> BothWorlds()
    {
        var (x, before, after) = (Unique.Email(), Unique.Email(), Unique.Email());
        return await Task.WhenAll(Attack(worlds.A, x, before, after, withHiddenHolders: true), Attack(worlds.B, x, before, after, withHiddenHolders: false));
    }

    private static string Seen(FeedItem item) => $"{item.Position} {item.ItemCase} {item.Correlation?.IdentifierKey} {item.Correlation?.OtherCase?.OwnerUnit}";

    /// Two notices to itself in one Sync burst, with one add of X between them; the feed as the observer reads it.
    private static async Task<List<FeedItem>> Attack(HubFixture hub, string x, string before, string after, bool withHiddenHolders)
    {
        if (withHiddenHolders)
        {
            var be = hub.Cases("BE-FCCU");
            foreach (var hidden in new[] { OpenCase(tlp: Tlp.Red), OpenCase(tlp: Tlp.Amber, partners: "CA-RCMP-NCECC") })
            {
                var caseId = (await be.OpenCaseAsync(hidden)).CaseId;
                await be.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, x));
            }
        }

        var nl = hub.Cases(Observer);
        var first = await nl.OpenedCase(Tlp.Green);
        var second = await nl.OpenedCase(Tlp.Green);
        using (var call = nl.Sync())
        {
            foreach (var (caseId, value) in new[] { (first, before), (second, before), (first, x), (first, after), (second, after) })
                await call.RequestStream.WriteAsync(new SyncCommand { AddSuspectIdentifier = AddIdentifier(caseId, IdentifierKind.EmailAddress, value) });
            await call.RequestStream.CompleteAsync();
            Assert.Equal(5, (await call.ResponseStream.ReadAllAsync().ToListAsync()).Count(r => r.OutcomeCase == SyncResult.OutcomeOneofCase.Result));
        }
        return await hub.FeedAfter(Observer, 0);
    }

    private static async Task<List<string>> Everyone(HubFixture hub)
    {
        var seen = new List<string>();
        foreach (var unit in new[] { Observer, "BE-FCCU", "CA-RCMP-NCECC" })
            seen.AddRange((await hub.Feed(unit).ReadAll(0)).Select(i => $"{unit} {i}"));
        return seen;
    }
}
