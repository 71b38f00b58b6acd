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
    /// Reads the unit's feed after a position until the condition holds (the feed is built asynchronously), or gives
    /// up after the timeout and returns what it has, for the test's assertions to judge.
    public static async Task<List<FeedItem>> ReadUntil(this FeedService.FeedServiceClient feed, long after, Func<List<FeedItem>, bool> done, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var items = await feed.ReadAll(after);
            if (done(items) || DateTime.UtcNow > deadline) return items;
            await Task.Delay(100);
        }
    }

    public static async Task<List<FeedItem>> ReadAll(this FeedService.FeedServiceClient feed, long after)
    {
        using var call = feed.Subscribe(new SubscribeRequest { AfterPosition = after, StopAtEnd = true });
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    /// The feed is built in global order: once an item made after everything before is in, nothing before is missing.
    public static async Task WaitForFeedToCatchUp(this HubFixture hub, string unit)
    {
        var start = await hub.Feed(unit).LastPosition();
        var cases = hub.Cases("CA-RCMP-NCECC");
        var caseId = await cases.OpenedCase();
        var target = unit == "CA-RCMP-NCECC" ? "NL-TBKK" : unit;
        // A handoff request reaches its target; a case of CA's own reaches CA through a correlation with itself.
        if (target == unit)
        {
            await cases.RequestHandoffAsync(new RequestHandoffRequest { CommandId = Commands.NewId(), CaseId = caseId, TargetUnit = unit, Reason = "marker" });
            Assert.Contains(await hub.Feed(unit).ReadUntil(start, items => items.Any(i => i.Handoff?.CaseId == caseId)), i => i.Handoff?.CaseId == caseId);
            return;
        }
        var marker = Unique.Email();
        var other = await cases.OpenedCase();
        await cases.AddSuspectIdentifierAsync(Commands.AddIdentifier(caseId, IdentifierKind.EmailAddress, marker));
        await cases.AddSuspectIdentifierAsync(Commands.AddIdentifier(other, IdentifierKind.EmailAddress, marker));
        Assert.Contains(await hub.Feed(unit).ReadUntil(start, items => items.Any(i => i.Correlation?.IdentifierKey == "email:" + marker)), i => i.Correlation?.IdentifierKey == "email:" + marker);
    }

    public static async Task<long> LastPosition(this FeedService.FeedServiceClient feed) =>
        (await feed.ReadAll(0)).Select(i => i.Position).DefaultIfEmpty(0).Max();
}
