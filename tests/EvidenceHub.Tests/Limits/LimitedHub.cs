using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceHub.Tests.Limits;

/// A second hub instance over the suite's database, with some limits configured small enough for a test to reach.
public sealed class LimitedHub : IAsyncDisposable
{
    private readonly HubFixture hub;
    public WebApplicationFactory<Program> Factory { get; }

    public LimitedHub(HubFixture hub, params (string Key, string Value)[] limits)
    {
        this.hub = hub;
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(hub.Database, hub.Pki).Concat(limits)) host.UseSetting(key, value);
            host.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientCertificate>());
        });
        _ = Factory.Server;
    }

    public GrpcChannel Channel(string unit) => GrpcChannel.ForAddress(Factory.Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = new TestClientCertificate.Presenting(hub.CertificateOf(unit), "analyst", Factory.Server.CreateHandler()),
        MaxReceiveMessageSize = null,
        MaxSendMessageSize = null,
    });

    public CaseService.CaseServiceClient Cases(string unit) => new(Channel(unit));
    public LookupService.LookupServiceClient Lookups(string unit) => new(Channel(unit));
    public FeedService.FeedServiceClient Feed(string unit) => new(Channel(unit));

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}
