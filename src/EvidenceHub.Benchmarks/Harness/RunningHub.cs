using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceHub.Benchmarks.Harness;

/// The real hub (its own Program) on real Kestrel with TLS, over the run's own database. Clients reach it as units do:
/// over HTTP/2 and TLS, presenting a client certificate whose common name is the unit id.
public sealed class RunningHub : IAsyncDisposable
{
    /// The units of the run: A adds identifiers, B correlates with A, the partner asks, the auditor replays and verifies.
    public const string UnitA = "NL-TBKK";
    public const string UnitB = "BE-FCCU";
    public const string Partner = "US-HSI-C3";
    public const string Auditor = "EU-AUDIT";

    private static readonly (string Id, string Country, string[] Roles)[] Units =
    [
        (UnitA, "NL", ["unit"]),
        (UnitB, "BE", ["unit"]),
        (Partner, "US", ["partner"]),
        (Auditor, "BE", ["auditor"]),
    ];

    /// The hub's default: an identifier held by this many cases stops correlating.
    public const int CommonThreshold = 100;

    private readonly ThrowawayPki pki;
    /// A production hub must have its checkpoint key configured: the run's own, made by the hub, gone afterwards.
    private static readonly string SigningKeyDirectory = Path.Combine(Path.GetTempPath(), $"evidencehub-bench-{Guid.NewGuid():N}");
    private readonly WebApplicationFactory<Program> factory;
    private readonly Dictionary<string, X509Certificate2> certificates = new();
    private readonly List<GrpcChannel> channels = [];

    public Uri Address { get; }
    public IServiceProvider Services => factory.Services;

    private RunningHub(ThrowawayPki pki, WebApplicationFactory<Program> factory, Uri address)
    {
        this.pki = pki;
        this.factory = factory;
        Address = address;
    }

    public static RunningHub Start(string connectionString, ThrowawayPki pki)
    {
        var port = FreePort();
        var serverCertificate = pki.ServerCertificate();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            // Production: no development settings (sample units, verbose logging) leak into the measurement.
            host.UseEnvironment("Production");
            foreach (var (key, value) in Settings(connectionString, pki)) host.UseSetting(key, value);
        });
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(serverCertificate);
        }));
        factory.StartServer();
        return new RunningHub(pki, factory, new Uri($"https://localhost:{port}"));
    }

    /// The benchmark hub's pseudonym secret: the bulk loads compute the match keys the hub would.
    public static readonly byte[] PseudonymSecret = RandomNumberGenerator.GetBytes(32);
    public static readonly Hub.Erasure.IdentifierPseudonym Pseudonyms = new(PseudonymSecret);

    private static IEnumerable<(string Key, string Value)> Settings(string connectionString, ThrowawayPki pki)
    {
        yield return ("ConnectionStrings:Marten", connectionString);
        yield return ("Identity:TrustedCaPath", pki.AuthorityPemPath);
        yield return ("Audit:SigningKeyPath", Path.Combine(SigningKeyDirectory, "checkpoint-key.pem"));
        yield return ("Correlation:CommonThreshold", CommonThreshold.ToString());
        yield return ("Lookup:BlindingKeys:k1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        yield return ("Erasure:PseudonymSecret", Convert.ToBase64String(PseudonymSecret));
        yield return ("Lookup:OprfKeys:o1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        yield return ("Lookup:CurrentOprfKey", "o1");
        yield return ("Lookup:CurrentBlindingKey", "k1");
        // The benchmarks measure the hub's capacity, not its limits on one unit.
        yield return ("Limits:LookupQuota:Default:PerHour", long.MaxValue.ToString());
        yield return ("Limits:LookupQuota:Default:Burst", long.MaxValue.ToString());
        yield return ("Limits:Cases:MaxActiveIdentifiers", int.MaxValue.ToString());
        yield return ("Limits:Cases:MaxVictimLinks", int.MaxValue.ToString());
        yield return ("Limits:Streams:MaxSyncPerUnit", "1000");
        yield return ("Limits:Streams:MaxBatchLookupPerUnit", "1000");
        yield return ("Limits:Streams:MaxSubscribePerUnit", "1000");
        // Warnings only, and on stderr: the benchmark's stdout is its table.
        yield return ("Logging:LogLevel:Default", "Warning");
        yield return ("Logging:Console:LogToStandardErrorThreshold", "Trace");
        foreach (var (id, country, roles) in Units)
        {
            yield return ($"Units:{id}:Country", country);
            for (var i = 0; i < roles.Length; i++) yield return ($"Units:{id}:Roles:{i}", roles[i]);
        }
    }

    public T Service<T>() where T : notnull => factory.Services.GetRequiredService<T>();

    /// A new connection (its own TLS session) for the unit, as one client of that unit would open.
    public GrpcChannel Channel(string unitId, string user = "benchmark")
    {
        X509Certificate2 certificate;
        lock (certificates)
        {
            if (!certificates.TryGetValue(unitId, out certificate!))
                certificates[unitId] = certificate = pki.ClientCertificate(unitId);
        }
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { certificate },
                RemoteCertificateValidationCallback = (_, server, _, _) => pki.Issued(server),
            },
        };
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = new NamingTheUser(user, handler),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        lock (channels) channels.Add(channel);
        return channel;
    }

    public CaseService.CaseServiceClient Cases(string unitId) => new(Channel(unitId));
    public LookupService.LookupServiceClient Lookups(string unitId) => new(Channel(unitId));
    public FeedService.FeedServiceClient Feed(string unitId) => new(Channel(unitId));
    public AuditService.AuditServiceClient Audit(string unitId) => new(Channel(unitId));

    /// The person at the unit, as the hub's clients name them.
    private sealed class NamingTheUser(string user, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("evidencehub-user", user);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels) channel.Dispose();
        await factory.DisposeAsync();
        foreach (var certificate in certificates.Values) certificate.Dispose();
        if (Directory.Exists(SigningKeyDirectory)) Directory.Delete(SigningKeyDirectory, recursive: true);
    }
}
