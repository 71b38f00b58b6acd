using System.Numerics;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Tests.Infrastructure;

/// Identifier values unique to one test, so that tests sharing a database never correlate with each other.
public static class Unique
{
    private static string Digits(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => Random.Shared.Next(10)));

    public static string SnapchatHandle() => "snap_" + Guid.NewGuid().ToString("N")[..12];

    /// A Dutch mobile number in international form.
    public static string DutchMobile() => "+31 6 1" + Digits(7);

    /// A valid Dutch IBAN (mod-97 check digits computed).
    public static string DutchIban()
    {
        var bban = "ABNA0" + Digits(9);
        var rearranged = string.Concat((bban + "NL00").Select(c => char.IsLetter(c) ? (c - 'A' + 10).ToString() : c.ToString()));
        var check = 98 - (int)(BigInteger.Parse(rearranged) % 97);
        return $"NL{check:D2}{bban}";
    }

    public static string Email() => $"offender.{Guid.NewGuid():N}@example.com";
}

public static class Feeds
{
    /// The unit's feed after a position, read once the feed projection has applied every event appended so far.
    public static async Task<List<FeedItem>> FeedAfter(this HubFixture hub, string unit, long after)
    {
        await hub.ProjectionsCaughtUp();
        return await hub.Feed(unit).ReadAll(after);
    }

    public static async Task<List<FeedItem>> ReadAll(this FeedService.FeedServiceClient feed, long after)
    {
        using var call = feed.Subscribe(new SubscribeRequest { AfterPosition = after, StopAtEnd = true });
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    public static async Task<long> LastPosition(this FeedService.FeedServiceClient feed) =>
        (await feed.ReadAll(0)).Select(i => i.Position).DefaultIfEmpty(0).Max();
}
