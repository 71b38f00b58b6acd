using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Cli;
using EvidenceHub.Cli.Demo;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Testing;
using Microsoft.AspNetCore.Hosting;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceHub.Cli.Tests.Infrastructure;

/// The real hub on real Kestrel with mutual TLS, over its own fresh PostgreSQL database, and a certificate directory
/// laid out as ops/dev-certs.sh lays it out (ca.crt, <unit>.crt, <unit>.key), so that the CLI runs exactly as a
/// person runs it: same option parsing, same certificate loading, same TLS handshake. Only the terminal is captured.
/// Each test class has its own (IClassFixture), so the classes run in parallel.
public sealed class CliHub : IAsyncLifetime
{
    public const string Auditor = "EU-AUDIT";
    public const string Provider = "NL-HOSTER-1";

    /// The demo's eight reporting units, the US partner and the auditor.
    public static readonly (string Id, string Country, string[] Roles)[] Units =
    [
        .. DemoScenario.ReportingUnits.Select(u => (u.Id, u.Country, u.Id == "CA-RCMP-NCECC" ? new[] { "unit", "partner" } : ["unit"])),
        (DemoScenario.Partner, "US", ["partner"]),
        (Auditor, "BE", ["auditor"]),
        (Provider, "NL", ["provider"]),
    ];

    /// The CLI hub's identifier pseudonym secret: tests compute the pseudonyms the hub names identifiers by.

    public static readonly byte[] PseudonymSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public static readonly EvidenceHub.Hub.Erasure.IdentifierPseudonym Pseudonyms = new(PseudonymSecret);

    public static readonly byte[] BlindingKey = RandomNumberGenerator.GetBytes(32);
    public static readonly byte[] OprfSeed = RandomNumberGenerator.GetBytes(32);

    private ThrowawayDatabase? database;
    private WebApplicationFactory<global::Program>? factory;
    private readonly ThrowawayPki pki = new("EvidenceHub CLI test");

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"evidencehub-cli-tests-{Guid.NewGuid():N}");
    public string Certificates => Path.Combine(Root, "certs");
    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        database = await ThrowawayDatabase.ForTests("evidencehub_cli_test");
        var connectionString = database.ConnectionString;

        Directory.CreateDirectory(Certificates);
        File.Copy(pki.AuthorityPemPath, Path.Combine(Certificates, "ca.crt"));
        foreach (var (id, country, _) in Units)
        {
            using var certificate = pki.ClientCertificate(id, country);
            File.WriteAllText(Path.Combine(Certificates, id + ".crt"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(Certificates, id + ".key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }
        var serverIdentity = pki.ServerCertificate();

        var port = FreePort();
        factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("ConnectionStrings:Marten", connectionString);
            host.UseSetting("Identity:TrustedCaPath", Path.Combine(Certificates, "ca.crt"));
            host.UseSetting("Lookup:BlindingKeys:t1", Convert.ToBase64String(BlindingKey));
            host.UseSetting("Lookup:CurrentBlindingKey", "t1");
            host.UseSetting("Lookup:OprfKeys:o1", Convert.ToBase64String(OprfSeed));
            host.UseSetting("Lookup:CurrentOprfKey", "o1");
            host.UseSetting("Erasure:PseudonymSecret", Convert.ToBase64String(PseudonymSecret));
            foreach (var (id, country, roles) in Units)
            {
                host.UseSetting($"Units:{id}:Country", country);
                for (var i = 0; i < roles.Length; i++) host.UseSetting($"Units:{id}:Roles:{i}", roles[i]);
            }
        });
        factory!.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2;
            listen.UseHttps(serverIdentity);
        }));
        factory.StartServer();
        Address = new Uri($"https://localhost:{port}");
    }

    /// The environment a person would have set: the hub, the certificates, a home of its own for state files.
    public Dictionary<string, string> Variables(string? unit) => new()
    {
        ["EVIDENCEHUB_URL"] = Address.ToString(),
        ["EVIDENCEHUB_CERTS"] = Certificates,
        ["EVIDENCEHUB_UNIT"] = unit ?? "",
        ["EVIDENCEHUB_USER"] = "test.analyst",
        ["HOME"] = Root,
    };

    /// Runs `evidencehub <args>` as the given unit, in process, and returns its exit code and what it printed.
    public async Task<CliRun> Run(string? unit, string[] args, CancellationToken cancellation = default, IDictionary<string, string>? environment = null)
    {
        var variables = Variables(unit);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) variables[name] = value;
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = await CliApp.RunAsync(args, new Terminal(output, error, name => variables.GetValueOrDefault(name), interactive: false), cancellation);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public Task<CliRun> Run(string? unit, params string[] args) => Run(unit, args, CancellationToken.None);

    /// Returns once the hub's asynchronous projections (the feed, the blind tokens) have applied every event so far.
    public Task ProjectionsCaughtUp() =>
        factory!.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    /// A direct connection as a unit, for tests that check the hub's state behind the CLI's back.
    public HubConnection Connect(string unit) =>
        HubConnection.Open(new HubSettings(Address, unit, Certificates, null, null, null, null, "test", null, null));

    /// The id the hub gave a unit's case, found as the unit finds it: by the case's reference.
    public async Task<string> CaseIdOf(string unit, string reference)
    {
        using var connection = Connect(unit);
        var file = await connection.Cases.GetCaseAsync(new Contracts.V1.GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "test check" } });
        return file.CaseId;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (factory is not null) await factory.DisposeAsync();
        pki.Dispose();
        if (database is not null) await database.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

public sealed record CliRun(int Code, string Out, string Error)
{
    public override string ToString() => $"exit {Code}\n--- stdout\n{Out}\n--- stderr\n{Error}";

    /// The JSON lines of a --json run.
    public List<System.Text.Json.JsonElement> Json() =>
        Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList();
}

public static class Unique
{
    public static string Reference(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
    public static string Handle() => "t_" + Guid.NewGuid().ToString("N")[..12];
}
