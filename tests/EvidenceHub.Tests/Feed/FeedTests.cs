using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Feed;

[Collection(FeedHub.Name)]
public sealed class FeedTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");

    private async Task<List<string>> RequestHandoffsTo(string target, int count)
    {
        var caseIds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var caseId = await ca.OpenedCase();
            await ca.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = target, Reason = $"request {i}" });
            caseIds.Add(caseId);
        }
        return caseIds;
    }

    [Fact]
    public async Task A_resumed_feed_delivers_exactly_the_missed_items()
    {
        var feed = hub.Feed("BE-FCCU");
        var start = await feed.LastPosition();
        var caseIds = await RequestHandoffsTo("BE-FCCU", 5);
        var all = (await hub.FeedAfter("BE-FCCU", start))
            .Where(i => About(i, caseIds)).ToList();
        Assert.Equal(caseIds, all.Select(i => i.Handoff.CaseId));
        Assert.Equal(all.Select(i => i.Position).Order(), all.Select(i => i.Position));

        // The client saw the first two, then lost its connection.
        var resumed = (await feed.ReadAll(all[1].Position)).Where(i => About(i, caseIds)).ToList();
        Assert.Equal(all.Skip(2).Select(i => i.Position), resumed.Select(i => i.Position));
        Assert.Equal(caseIds.Skip(2), resumed.Select(i => i.Handoff.CaseId));
    }

    [Fact]
    public async Task Handoff_requests_and_answers_reach_the_units_concerned()
    {
        var caFeed = hub.Feed("CA-RCMP-NCECC");
        var caStart = await caFeed.LastPosition();
        var caseIds = await RequestHandoffsTo("NL-TBKK", 2);
        var nl = hub.Cases("NL-TBKK");
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseIds[0], Justification = new() { Purpose = "deciding" } });
        await nl.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseIds[0], HandoffId = file.Handoffs[0].HandoffId });
        var other = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseIds[1], Justification = new() { Purpose = "deciding" } });
        await nl.DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = caseIds[1], HandoffId = other.Handoffs[0].HandoffId, Reason = "Not ours" });

        var answers = (await hub.FeedAfter("CA-RCMP-NCECC", caStart))
            .Where(i => About(i, caseIds)).Select(i => i.Handoff).ToList();
        Assert.Equal([HandoffStatus.Accepted, HandoffStatus.Declined], answers.Select(a => a.Status));
        Assert.Equal("Not ours", answers[1].Reason);
        Assert.Equal(file.Reference, answers[0].CaseReference);
    }

    [Fact]
    public async Task Another_hub_instance_on_the_same_database_serves_the_same_feed()
    {
        var start = await hub.Feed("BE-FCCU").LastPosition();
        var caseIds = await RequestHandoffsTo("BE-FCCU", 3);
        var here = (await hub.FeedAfter("BE-FCCU", start))
            .Where(i => About(i, caseIds)).ToList();

        // A second instance (as after a restart, or behind a load balancer) answers a resumed subscription identically.
        await using var second = SecondInstance();
        var there = (await new FeedService.FeedServiceClient(second.Channel("BE-FCCU")).ReadAll(here[0].Position))
            .Where(i => About(i, caseIds)).ToList();
        Assert.Equal(here.Skip(1).Select(i => i.ToString()), there.Select(i => i.ToString()));
    }

    [Fact]
    public async Task Units_adding_one_identifier_at_once_on_two_instances_are_correlated_once()
    {
        await using var second = SecondInstance();
        var caOnSecond = new CaseService.CaseServiceClient(second.Channel("CA-RCMP-NCECC"));
        var nl = hub.Cases("NL-TBKK");
        for (var round = 0; round < 5; round++)
        {
            var email = Unique.Email();
            var nlCase = await nl.OpenedCase(Tlp.Green);
            var caCase = await caOnSecond.OpenedCase(Tlp.Green);
            var both = await Task.WhenAll(
                nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, email)).ResponseAsync,
                caOnSecond.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, email)).ResponseAsync);
            Assert.Equal(1, both.Sum(r => r.Correlations));
        }
    }

    private sealed class Instance(WebApplicationFactory<Program> factory, HubFixture hub) : IAsyncDisposable
    {
        public GrpcChannel Channel(string unit) => GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new TestClientCertificate.Presenting(hub.CertificateOf(unit), "analyst", factory.Server.CreateHandler()),
        });

        public ValueTask DisposeAsync() => factory.DisposeAsync();
    }

    private Instance SecondInstance() => new(new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
    {
        foreach (var (key, value) in HubFixture.HubSettings(hub.Database, hub.Pki)) host.UseSetting(key, value);
        host.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientCertificate>());
    }), hub);

    [Fact]
    public async Task A_following_subscriber_receives_new_items_as_they_happen()
    {
        var feed = hub.Feed("BE-FCCU");
        var start = await feed.LastPosition();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = feed.Subscribe(new SubscribeRequest { AfterPosition = start }, cancellationToken: cancel.Token);
        var caseIds = await RequestHandoffsTo("BE-FCCU", 2);

        var received = new List<FeedItem>();
        while (received.Count(i => About(i, caseIds)) < 2 && await call.ResponseStream.MoveNext(cancel.Token))
            received.Add(call.ResponseStream.Current);
        Assert.Equal(caseIds, received.Where(i => About(i, caseIds)).Select(i => i.Handoff.CaseId));
    }

    private static bool About(FeedItem item, List<string> caseIds) => item.Handoff is { } handoff && caseIds.Contains(handoff.CaseId);

    [Fact]
    public async Task A_negative_position_is_refused()
    {
        using var call = hub.Feed("BE-FCCU").Subscribe(new SubscribeRequest { AfterPosition = -1 });
        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
    }
}
