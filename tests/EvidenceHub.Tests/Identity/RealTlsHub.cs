using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EvidenceHub.Tests.Identity;

/// One hub on real Kestrel with real TLS, trusting a throw-away CA and checking the CRL file the tests write
/// (Identity:CrlPath). One certificate is revoked before the hub starts.
public sealed class RealTlsHub : IAsyncLifetime
{
    public ThrowawayPki Pki { get; } = new();
    public string CrlPath { get; } = Path.Combine(Path.GetTempPath(), $"evidencehub-crl-{Guid.NewGuid():N}.crl");
    public X509Certificate2 RevokedBeforeStart { get; }
    public int Port { get; } = FreePort();
    private readonly List<X509Certificate2> revoked = [];
    private long crlNumber;
    private ThrowawayDatabase database = null!;
    private WebApplicationFactory<Program> factory = null!;

    public RealTlsHub()
    {
        RevokedBeforeStart = Pki.ClientCertificate("NL-TBKK");
        Revoke(RevokedBeforeStart);
    }

    public async Task InitializeAsync()
    {
        database = await ThrowawayDatabase.ForTests();
        var serverCertificate = Pki.ServerCertificate();
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(database, Pki)) host.UseSetting(key, value);
            host.UseSetting("Identity:CrlPath", CrlPath);
        });
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port, listen =>
        {
            listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2;
            listen.UseHttps(serverCertificate);
        }));
        factory.StartServer();
    }

    /// Replaces the CRL file (write beside it, then rename over it, as an operator's tooling would) with a new list
    /// that adds this certificate.
    public void Revoke(X509Certificate2 certificate)
    {
        lock (revoked)
        {
            revoked.Add(certificate);
            var next = CrlPath + ".new";
            File.WriteAllText(next, Pki.RevocationListPem(revoked, ++crlNumber));
            File.Move(next, CrlPath, overwrite: true);
        }
    }

    public GrpcChannel Channel(X509Certificate2? clientCertificate) =>
        GrpcChannel.ForAddress(new Uri($"https://localhost:{Port}"), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                    // Present the certificate whatever its shape: the hub, not the client, must judge it.
                    LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => Pki.Issued(certificate),
                },
            },
        });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        await database.DisposeAsync();
        File.Delete(CrlPath);
        Pki.Dispose();
    }
}
