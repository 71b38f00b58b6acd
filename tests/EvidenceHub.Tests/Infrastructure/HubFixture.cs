using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using Grpc.Net.Client;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceHub.Tests.Infrastructure;

/// The hub in process (TestServer) over its own fresh PostgreSQL database, with the sample units registered. A test
/// class takes one of its own (IClassFixture) or shares one with the classes of its group (HubGroups.cs).
/// TestServer has no TLS, so a test-only middleware hands the hub the client certificate the test client names.
public class HubFixture : IAsyncLifetime
{
    public static readonly (string Id, string Country, string[] Roles)[] Units =
    [
        ("NL-TBKK", "NL", ["unit"]),
        ("CA-RCMP-NCECC", "CA", ["unit", "partner"]),
        ("BE-FCCU", "BE", ["unit"]),
        ("US-HSI-C3", "US", ["partner"]),
        ("EU-AUDIT", "BE", ["auditor"]),
        // A hosting party: asks hash questions (HashCheckService) and nothing else.
        ("NL-HOSTER-1", "NL", ["provider"]),
        // Another hosting party: takedown requests addressed to one are nothing to the other.
        ("NL-HOSTER-2", "NL", ["provider"]),
    ];

    /// Small, so that tests can reach it: an identifier held by this many cases is common.
    public const int CommonThreshold = 5;
    /// The suite's identifier pseudonym secret (Erasure:PseudonymSecret): tests that compute a pseudonym use it.
    public static readonly byte[] PseudonymSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    public static readonly EvidenceHub.Hub.Erasure.IdentifierPseudonym Pseudonyms = new(PseudonymSecret);
    public static readonly byte[] BlindingKeyK1 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    public static readonly byte[] BlindingKeyK2 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    /// OPRF key seeds: o2 is current, o1 an older key whose tokens still resolve.
    public static readonly byte[] OprfSeedO1 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    public static readonly byte[] OprfSeedO2 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    /// Small, so that tests can reach it.
    public const int MaxBlindedElementsPerCall = 16;

    public ThrowawayPki Pki { get; } = new();
    public ThrowawayDatabase Database { get; private set; } = null!;
    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    /// The hub's clock: real time, moved forward by tests that need a deadline to pass (handoff expiry).
    public ShiftedClock Clock { get; } = new();
    private readonly Dictionary<string, X509Certificate2> certificates = new();

    public async Task InitializeAsync()
    {
        Database = await ThrowawayDatabase.ForTests();
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubSettings(Database, Pki).Concat(MoreSettings())) host.UseSetting(key, value);
            host.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientCertificate>());
            host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        _ = Factory.Server; // start now, so schema creation is not charged to the first test
    }

    /// Settings a test class's own hub adds to (or overrides in) the suite's.
    protected virtual IEnumerable<(string Key, string Value)> MoreSettings() => [];

    public static IEnumerable<(string Key, string Value)> HubSettings(ThrowawayDatabase database, ThrowawayPki pki) =>
        HubSettings(database.ConnectionString, pki);

    public static IEnumerable<(string Key, string Value)> HubSettings(string connectionString, ThrowawayPki pki)
    {
        // Not "Development": the development unit registry and blinding key must not leak into the tests.
        yield return (Microsoft.AspNetCore.Hosting.WebHostDefaults.EnvironmentKey, "Testing");
        yield return ("ConnectionStrings:Marten", connectionString);
        // Every instance over one database signs its log with the same key files, as a deployment's must (VerifyLog
        // trusts only the pinned keys, by default those the instance signs with).
        yield return ("Audit:SigningKeyPath", CheckpointKeyPath(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!));
        yield return ("Identity:TrustedCaPath", pki.AuthorityPemPath);
        yield return ("Correlation:CommonThreshold", CommonThreshold.ToString());
        yield return ("Lookup:BlindingKeys:k1", Convert.ToBase64String(BlindingKeyK1));
        yield return ("Lookup:BlindingKeys:k2", Convert.ToBase64String(BlindingKeyK2));
        yield return ("Lookup:CurrentBlindingKey", "k2");
        yield return ("Lookup:OprfKeys:o1", Convert.ToBase64String(OprfSeedO1));
        yield return ("Lookup:OprfKeys:o2", Convert.ToBase64String(OprfSeedO2));
        yield return ("Lookup:CurrentOprfKey", "o2");
        yield return ("Erasure:PseudonymSecret", Convert.ToBase64String(PseudonymSecret));
        yield return ("Lookup:MaxBlindedElementsPerCall", MaxBlindedElementsPerCall.ToString());
        // Tests run the timed work's rounds themselves (TimedWorkRunner.RunRound), never on the background timer.
        yield return ("TimedWork:RunEvery", "1.00:00:00");
        foreach (var (id, country, roles) in Units)
        {
            yield return ($"Units:{id}:Country", country);
            for (var i = 0; i < roles.Length; i++) yield return ($"Units:{id}:Roles:{i}", roles[i]);
        }
    }

    public static string CheckpointKeyPath(ThrowawayDatabase database) => CheckpointKeyPath(database.Name);

    private static string CheckpointKeyPath(string databaseName) =>
        Path.Combine(Path.GetTempPath(), $"evidencehub-keys-{databaseName}", "checkpoint-key.pem");

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

    /// Returns once the asynchronous projections (the feed, the blind tokens) have applied every event appended so far,
    /// whichever instance over this database runs them: what a test reads from them afterwards is complete.
    public Task ProjectionsCaughtUp() =>
        Factory.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    public virtual async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
        Pki.Dispose();
        var keys = Path.GetDirectoryName(CheckpointKeyPath(Database))!;
        if (Directory.Exists(keys)) Directory.Delete(keys, recursive: true);
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

/// One hub for classes that name this collection, which run one after another. Prefer a group of HubGroups.cs or a
/// hub of the class's own (IClassFixture<HubFixture>): those run in parallel, each over its own database.
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
