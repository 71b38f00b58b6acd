using System.Net;
using System.Net.Sockets;
using EvidenceHub.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EvidenceHub.Tests.Infrastructure;

/// A hub on real Kestrel with real TLS (HTTP/2) on a free loopback port, for the paths where the client certificate
/// must travel in the handshake or the transport itself is under test. The caller configures the host (settings,
/// logging) and disposes the factory.
public static class RealKestrel
{
    public static (WebApplicationFactory<Program> Factory, Uri Address) Start(ThrowawayPki pki, Action<IWebHostBuilder> configure)
    {
        var port = FreePort();
        var serverCertificate = pki.ServerCertificate();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(configure);
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(serverCertificate);
        }));
        factory.StartServer();
        return (factory, new Uri($"https://localhost:{port}"));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
