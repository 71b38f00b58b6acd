using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using Grpc.Net.Client;

namespace EvidenceHub.Cli.Hub;

/// One unit's mutual-TLS channel to the hub. The unit is whoever the client certificate names (its common name): the
/// hub decides by the certificate, so the client reads the unit from it too, for case ids and state files.
public sealed class HubConnection : IDisposable
{
    private readonly GrpcChannel channel;

    public string Unit { get; }
    public Uri Hub { get; }
    public HubSettings Settings { get; }
    public CaseService.CaseServiceClient Cases { get; }
    public LookupService.LookupServiceClient Lookups { get; }
    public FeedService.FeedServiceClient Feed { get; }
    public AuditService.AuditServiceClient Audit { get; }
    public HashCheckService.HashCheckServiceClient HashChecks { get; }
    public TakedownService.TakedownServiceClient Takedowns { get; }

    private HubConnection(HubSettings settings, X509Certificate2 certificate, HttpMessageHandler handler)
    {
        Settings = settings;
        Hub = settings.Hub;
        Unit = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        channel = GrpcChannel.ForAddress(settings.Hub, new GrpcChannelOptions
        {
            HttpHandler = new CallerHeaders(settings.User, settings.CorrelationId, handler),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        Cases = new CaseService.CaseServiceClient(channel);
        Lookups = new LookupService.LookupServiceClient(channel);
        Feed = new FeedService.FeedServiceClient(channel);
        Audit = new AuditService.AuditServiceClient(channel);
        HashChecks = new HashCheckService.HashCheckServiceClient(channel);
        Takedowns = new TakedownService.TakedownServiceClient(channel);
    }

    public DateTime? Deadline => Settings.Timeout is { } timeout ? DateTime.UtcNow + timeout : null;

    public static HubConnection Open(HubSettings settings)
    {
        var certificate = ClientCertificate(settings);
        var trusted = settings.Authority ?? (settings.CertificatesDirectory is { } dir && File.Exists(Path.Combine(dir, "ca.crt")) ? Path.Combine(dir, "ca.crt") : null);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { certificate },
                RemoteCertificateValidationCallback = trusted is null ? null : TrustOnly(LoadAuthority(trusted)),
            },
        };
        return new HubConnection(settings, certificate, handler);
    }

    /// The unit's certificate: --cert/--key (PEM, or a .pfx), else <certs>/<unit>.crt and .key (as ops/dev-certs.sh makes them).
    private static X509Certificate2 ClientCertificate(HubSettings settings)
    {
        var (certificatePath, keyPath) = (settings.Certificate, settings.Key);
        if (certificatePath is null)
        {
            if (settings.Unit is null || settings.CertificatesDirectory is null)
                throw new UsageException("no client certificate: give --cert and --key (or EVIDENCEHUB_CERT / EVIDENCEHUB_KEY), " +
                                         "or --unit with --certs (EVIDENCEHUB_UNIT / EVIDENCEHUB_CERTS), e.g. --certs .data/certs --unit NL-TBKK");
            certificatePath = Path.Combine(settings.CertificatesDirectory, settings.Unit + ".crt");
            keyPath = Path.Combine(settings.CertificatesDirectory, settings.Unit + ".key");
        }
        if (!File.Exists(certificatePath)) throw new UsageException($"no certificate file {certificatePath}");
        try
        {
            if (certificatePath.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || certificatePath.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
                return X509CertificateLoader.LoadPkcs12FromFile(certificatePath, settings.CertificatePassword);
            if (keyPath is null) throw new UsageException($"--key: the private key of {certificatePath} is needed (PEM)");
            if (!File.Exists(keyPath)) throw new UsageException($"no key file {keyPath}");
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Through PKCS#12, so that SslStream on Linux can use the private key.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new UsageException($"cannot read the client certificate {certificatePath}: {e.Message}");
        }
    }

    private static X509Certificate2Collection LoadAuthority(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--ca: no file {path}");
        var collection = new X509Certificate2Collection();
        try { collection.ImportFromPemFile(path); }
        catch (CryptographicException e) { throw new UsageException($"--ca: cannot read {path}: {e.Message}"); }
        if (collection.Count == 0) throw new UsageException($"--ca: {path} holds no PEM certificate");
        return collection;
    }

    /// Trusts exactly the hub's CA, not the machine's store: a unit knows which CA runs its hub.
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2Collection authority) => (_, certificate, _, errors) =>
    {
        if (certificate is null) return false;
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };

    public void Dispose() => channel.Dispose();

    /// The person at the unit and the unit's own ticket, on every call; the hub stores both with each event.
    private sealed class CallerHeaders(string? user, string? correlationId, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (user is not null) request.Headers.TryAddWithoutValidation("evidencehub-user", user);
            if (correlationId is not null) request.Headers.TryAddWithoutValidation("x-correlation-id", correlationId);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
