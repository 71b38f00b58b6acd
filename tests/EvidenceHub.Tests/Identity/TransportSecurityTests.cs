using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace EvidenceHub.Tests.Identity;

/// The hub's TLS over real Kestrel: TLS 1.3, or TLS 1.2 with ECDHE and an AEAD cipher; never CBC. Linux, where the
/// hub sets its cipher suites (and where CI runs).
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TransportSecurityTests(RealTlsHub hub) : IClassFixture<RealTlsHub>
{
    private async Task<SslStream> Handshake(SslProtocols protocols, params TlsCipherSuite[] suites)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, hub.Port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,
            CipherSuitesPolicy = suites.Length == 0 ? null : new CipherSuitesPolicy(suites),
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => hub.Pki.Issued(certificate),
        });
        return tls;
    }

    [Fact]
    public async Task A_TLS_1_2_client_offering_only_CBC_suites_is_refused()
    {
        var refused = await Record.ExceptionAsync(async () =>
        {
            await using var tls = await Handshake(SslProtocols.Tls12,
                TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
                TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
                TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
                TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA);
        });
        Assert.True(refused is AuthenticationException or IOException, $"expected a refused handshake, got {refused?.GetType().Name ?? "a connection"}");
    }

    [Fact]
    public async Task A_TLS_1_2_client_offering_an_AEAD_suite_is_served()
    {
        await using var tls = await Handshake(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
        Assert.Equal(SslProtocols.Tls12, tls.SslProtocol);
        Assert.Equal(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.NegotiatedCipherSuite);
    }

    [Fact]
    public async Task A_client_that_speaks_TLS_1_3_gets_TLS_1_3()
    {
        await using var tls = await Handshake(SslProtocols.Tls12 | SslProtocols.Tls13);
        Assert.Equal(SslProtocols.Tls13, tls.SslProtocol);
    }
}
