using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceHub.Tests.Infrastructure;

/// The hub in process (TestServer) over its own fresh PostgreSQL database, with the sample units registered.
/// TestServer has no TLS, so a test-only middleware hands the hub the client certificate the test client names.
public sealed class HubFixture : IAsyncLifetime
{
    public static readonly (string Id, string Country, string[] Roles)[] Units =
    [
        ("NL-TBKK", "NL", ["unit"]),
        ("CA-RCMP-NCECC", "CA", ["unit", "partner"]),
        ("BE-FCCU", "BE", ["unit"]),
        ("US-HSI-C3", "US", ["partner"]),
        ("EU-AUDIT", "BE", ["auditor"]),
    ];

    /// Small, so that tests can reach it: an identifier held by this many cases is common.
    public const int CommonThreshold = 5;
    public static readonly byte[] BlindingKeyK1 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    public static readonly byte[] BlindingKeyK2 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public ThrowawayPki Pki { get; } = new();
    public TestDatabase Database { get; private set; } = null!;
    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    /// The hub's clock: real time, moved forward by tests that need a deadline to pass (handoff expiry).
    public ShiftedClock Clock { get; } = new();
    private readonly Dictionary<string, X509Certificate2> certificates = new();

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.Create();
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubSettings(Database, Pki)) host.UseSetting(key, value);
            host.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientCertificate>());
            host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        _ = Factory.Server; // start now, so schema creation is not charged to the first test
    }

    public static IEnumerable<(string Key, string Value)> HubSettings(TestDatabase database, ThrowawayPki pki)
    {
        // Not "Development": the development unit registry and blinding key must not leak into the tests.
        yield return (Microsoft.AspNetCore.Hosting.WebHostDefaults.EnvironmentKey, "Testing");
        yield return ("ConnectionStrings:Marten", database.ConnectionString);
        yield return ("Identity:TrustedCaPath", pki.AuthorityPemPath);
        yield return ("Correlation:CommonThreshold", CommonThreshold.ToString());
        yield return ("Lookup:BlindingKeys:k1", Convert.ToBase64String(BlindingKeyK1));
        yield return ("Lookup:BlindingKeys:k2", Convert.ToBase64String(BlindingKeyK2));
        yield return ("Lookup:CurrentBlindingKey", "k2");
        foreach (var (id, country, roles) in Units)
        {
            yield return ($"Units:{id}:Country", country);
            for (var i = 0; i < roles.Length; i++) yield return ($"Units:{id}:Roles:{i}", roles[i]);
        }
    }

    public X509Certificate2 CertificateOf(string unitId)
    {
        lock (certificates)
        {
            if (!certificates.TryGetValue(unitId, out var certificate))
                certificates[unitId] = certificate = Pki.ClientCertificate(unitId);
            return certificate;
        }
    }

    /// A channel that presents the given certificate (or none), as the named user at the unit.
    public GrpcChannel Channel(X509Certificate2? certificate, string user = "analyst") =>
        GrpcChannel.ForAddress(Factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new TestClientCertificate.Presenting(certificate, user, Factory.Server.CreateHandler()),
        });

    public CaseService.CaseServiceClient Cases(string unitId, string user = "analyst") =>
        new(Channel(CertificateOf(unitId), user));

    public LookupService.LookupServiceClient Lookups(string unitId) => new(Channel(CertificateOf(unitId)));

    public FeedService.FeedServiceClient Feed(string unitId) => new(Channel(CertificateOf(unitId)));

    public AuditService.AuditServiceClient Audit(string unitId, string user = "supervisor") => new(Channel(CertificateOf(unitId), user));

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
        Pki.Dispose();
    }
}

/// Test-only stand-in for the TLS handshake: takes the client certificate from a request header.
public sealed class TestClientCertificate : IStartupFilter
{
    private const string Header = "x-test-client-certificate";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            context.Request.Scheme = "https";
            if (context.Request.Headers.TryGetValue(Header, out var encoded))
                context.Connection.ClientCertificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(encoded.ToString()));
            await proceed();
        });
        next(app);
    };

    public sealed class Presenting(X509Certificate2? certificate, string user, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (certificate is not null) request.Headers.Add(Header, Convert.ToBase64String(certificate.RawData));
            request.Headers.Add("evidencehub-user", user);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HubCollection : ICollectionFixture<HubFixture>
{
    public const string Name = "hub";
}

/// The system clock plus an offset that only grows: timers run as usual, deadlines can be made to pass at once.
public sealed class ShiftedClock : TimeProvider
{
    private long offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);
}
