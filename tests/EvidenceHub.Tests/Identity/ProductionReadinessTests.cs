using System.Net;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EvidenceHub.Tests.Identity;

/// A hub in Production starts only with TLS, the units' CA, the checkpoint signing key and a blinding key, and
/// otherwise refuses with a message naming what is missing. Started in process, on real Kestrel.
public sealed class ProductionReadinessTests : IAsyncLifetime
{
    private readonly ThrowawayPki pki = new();
    private readonly string directory = Directory.CreateTempSubdirectory("evidencehub-readiness-").FullName;
    private ThrowawayDatabase database = null!;

    public async Task InitializeAsync() => database = await ThrowawayDatabase.ForTests();

    /// Everything a production hub needs, as an operator would configure it.
    private Dictionary<string, string> Complete()
    {
        using var server = pki.ServerCertificate();
        var certificatePath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(certificatePath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new()
        {
            ["ConnectionStrings:Marten"] = database.ConnectionString,
            ["Kestrel:Endpoints:Grpc:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Grpc:Certificate:Path"] = certificatePath,
            ["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = keyPath,
            ["Identity:TrustedCaPath"] = pki.AuthorityPemPath,
            ["Audit:SigningKeyPath"] = Path.Combine(directory, "checkpoint-key.pem"),
            ["Lookup:BlindingKeys:k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Lookup:OprfKeys:o1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Lookup:CurrentOprfKey"] = "o1",
            ["Erasure:PseudonymSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Units:NL-TBKK:Country"] = "NL",
            ["Units:NL-TBKK:Roles:0"] = "unit",
        };
    }

    private static WebApplicationFactory<Program> Hub(Dictionary<string, string> settings, Action<KestrelServerOptions>? kestrel = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Production");
            foreach (var (key, value) in settings) host.UseSetting(key, value);
        });
        if (kestrel is null) factory.UseKestrel(); else factory.UseKestrel(kestrel);
        return factory;
    }

    private static async Task<string> StartUpFailure(WebApplicationFactory<Program> factory)
    {
        await using (factory)
        {
            var failure = Record.Exception(factory.StartServer);
            Assert.NotNull(failure);
            // The host may wrap the hub's own exception; the message that matters is the innermost.
            var messages = new List<string>();
            for (var e = failure; e is not null; e = e.InnerException) messages.Add(e.Message);
            return string.Join(" | ", messages);
        }
    }

    [Fact]
    public async Task With_everything_configured_the_hub_starts_on_TLS()
    {
        await using var factory = Hub(Complete());
        factory.StartServer();
        Assert.NotNull(factory.Services);
    }

    public static TheoryData<string, string> Secrets => new()
    {
        { "Kestrel:Endpoints:Grpc:Certificate", "Kestrel:Endpoints:Grpc has no server certificate" },
        { "Identity:TrustedCaPath", "Identity:TrustedCaPath is not set" },
        { "Audit:SigningKeyPath", "Audit:SigningKeyPath is not set" },
        { "Lookup:BlindingKeys", "Lookup:BlindingKeys has no key" },
        { "Lookup:OprfKeys", "Lookup:OprfKeys has no key" },
        { "Erasure:PseudonymSecret", "Erasure:PseudonymSecret is not set" },
    };

    [Fact]
    public async Task A_pseudonym_secret_shorter_than_32_bytes_is_refused()
    {
        var settings = Complete();
        settings["Erasure:PseudonymSecret"] = Convert.ToBase64String(new byte[16]);
        Assert.Contains("Erasure:PseudonymSecret has 16 bytes; it needs at least 32", await StartUpFailure(Hub(settings)));
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task Without_a_secret_the_hub_refuses_to_start_and_names_it(string setting, string message)
    {
        var settings = Complete();
        foreach (var key in settings.Keys.Where(k => k.StartsWith(setting, StringComparison.Ordinal)).ToList()) settings.Remove(key);
        var failure = await StartUpFailure(Hub(settings));
        Assert.Contains("will not start in the Production environment", failure);
        Assert.Contains(message, failure);
    }

    [Fact]
    public async Task A_plaintext_endpoint_in_configuration_is_refused()
    {
        var settings = Complete();
        settings["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0";
        Assert.Contains("Kestrel:Endpoints:Grpc:Url is 'http://127.0.0.1:0', which is not HTTPS", await StartUpFailure(Hub(settings)));
        settings = Complete();
        settings["urls"] = "http://127.0.0.1:0";
        Assert.Contains("urls names http://127.0.0.1:0, which is not HTTPS", await StartUpFailure(Hub(settings)));
    }

    [Fact]
    public async Task A_plaintext_endpoint_made_in_code_stops_the_start()
    {
        var settings = Complete();
        foreach (var key in settings.Keys.Where(k => k.StartsWith("Kestrel:", StringComparison.Ordinal)).ToList()) settings.Remove(key);
        var failure = await StartUpFailure(Hub(settings, kestrel => kestrel.Listen(IPAddress.Loopback, 0)));
        Assert.Contains("will not serve plaintext HTTP: it listens on http://127.0.0.1:", failure);
    }

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        Directory.Delete(directory, recursive: true);
        pki.Dispose();
    }
}
