using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EvidenceHub.Hub.Hosting;

/// What a hub must have before it serves anyone, in every environment but Development and Testing: a TLS server
/// certificate on every endpoint (no plaintext HTTP), the CA that issues unit certificates, the checkpoint signing
/// key, a blinding key and the identifier pseudonym secret. Without one of them the hub refuses to start and says which is missing, rather than
/// starting on HTTP, trusting nobody or signing with a key that dies with the process. Configuration is checked before
/// anything starts; the addresses the server really listens on (endpoints can also be made in code) are checked once
/// it has bound them, and until then a request that did not come over TLS is refused.
public static class ProductionReadiness
{
    public static WebApplicationBuilder RequireProductionReadiness(this WebApplicationBuilder builder)
    {
        var environment = builder.Environment;
        if (environment.IsDevelopment() || environment.IsEnvironment("Testing")) return builder;
        var problems = Problems(builder.Configuration).ToList();
        if (problems.Count > 0)
            throw new InvalidOperationException(
                $"The hub will not start in the {environment.EnvironmentName} environment:{string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}"))}" +
                $"{Environment.NewLine}(ops/run-hub.sh shows a complete configuration; see the README's Security section.)");
        builder.Services.AddHostedService<ListeningOnlyOverTls>();
        builder.Services.AddSingleton<IStartupFilter, RefusePlaintextRequests>();
        return builder;
    }

    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        foreach (var problem in TlsProblems(configuration)) yield return problem;

        var caPath = configuration["Identity:TrustedCaPath"];
        if (string.IsNullOrWhiteSpace(caPath))
            yield return "Identity:TrustedCaPath is not set: name the PEM file of the CA that issues the units' client certificates.";
        else if (CaProblem(caPath) is { } caProblem)
            yield return $"Identity:TrustedCaPath ({caPath}) {caProblem}";

        if (string.IsNullOrWhiteSpace(configuration["Audit:SigningKeyPath"]))
            yield return "Audit:SigningKeyPath is not set: name the private key that signs the audit log's checkpoints (ops/audit-key.sh makes one).";

        if (!configuration.GetSection("Lookup:BlindingKeys").GetChildren().Any(k => !string.IsNullOrWhiteSpace(k.Value)))
            yield return "Lookup:BlindingKeys has no key: configure Lookup:BlindingKeys:<key id> (base64, at least 32 random bytes) and Lookup:CurrentBlindingKey.";

        if (!configuration.GetSection("Lookup:OprfKeys").GetChildren().Any(k => !string.IsNullOrWhiteSpace(k.Value)))
            yield return "Lookup:OprfKeys has no key: configure Lookup:OprfKeys:<key id> (base64 of a 32-byte random seed) and Lookup:CurrentOprfKey.";

        if (Erasure.ErasureSetup.Problem(configuration) is { } pseudonymProblem) yield return pseudonymProblem;
    }

    private static IEnumerable<string> TlsProblems(IConfiguration configuration)
    {
        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                yield return $"urls names {url}, which is not HTTPS: the hub serves TLS only.";
        if (!string.IsNullOrWhiteSpace(configuration["http_ports"]))
            yield return "http_ports is set: the hub serves TLS only.";

        var defaultCertificate = configuration.GetSection("Kestrel:Certificates:Default");
        var hasDefault = HasCertificate(defaultCertificate);
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().ToList();
        foreach (var endpoint in endpoints)
        {
            var url = endpoint["Url"] ?? "";
            if (!url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                yield return $"Kestrel:Endpoints:{endpoint.Key}:Url is '{url}', which is not HTTPS: the hub serves TLS only.";
            else if (!HasCertificate(endpoint.GetSection("Certificate")) && !hasDefault)
                yield return $"Kestrel:Endpoints:{endpoint.Key} has no server certificate: set its Certificate:Path and Certificate:KeyPath (or Kestrel:Certificates:Default).";
        }
        var urls = configuration["urls"];
        if (endpoints.Count == 0 && !string.IsNullOrWhiteSpace(urls) && !hasDefault)
            yield return "urls names HTTPS addresses but no server certificate is configured: set Kestrel:Certificates:Default:Path and KeyPath.";
    }

    private static bool HasCertificate(IConfigurationSection certificate) =>
        !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);

    private static string? CaProblem(string path)
    {
        if (!File.Exists(path)) return "does not exist.";
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or IOException)
        {
            return $"cannot be read as PEM certificates ({exception.Message}).";
        }
        return certificates.Any(c => c.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            ? null
            : "holds no CA certificate (basic constraints CA:TRUE).";
    }

    /// Endpoints made in code escape the configuration check: once the server has bound its addresses, every one
    /// must be HTTPS, or start-up fails.
    private sealed class ListeningOnlyOverTls(IServer server) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            var plaintext = server.Features.Get<IServerAddressesFeature>()?.Addresses
                .Where(a => !a.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToList() ?? [];
            if (plaintext.Count > 0)
                throw new InvalidOperationException(
                    $"The hub will not serve plaintext HTTP: it listens on {string.Join(", ", plaintext)}. Configure a TLS endpoint " +
                    "(Kestrel:Endpoints:<name>:Url=https://... with Certificate:Path and Certificate:KeyPath), as ops/run-hub.sh does.");
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// Between binding and the check above, and for good: a request that did not arrive over TLS gets no answer.
    private sealed class RefusePlaintextRequests : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, proceed) =>
            {
                if (context.Request.IsHttps) return proceed(context);
                context.Abort();
                return Task.CompletedTask;
            });
            next(app);
        };
    }
}
