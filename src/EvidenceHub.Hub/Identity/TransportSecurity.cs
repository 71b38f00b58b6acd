using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EvidenceHub.Hub.Identity;

/// What TLS the hub speaks on every HTTPS endpoint: TLS 1.3, or TLS 1.2 with forward-secret AEAD suites only
/// (ECDHE with AES-GCM or ChaCha20-Poly1305). CBC suites, static-RSA key exchange and TLS 1.0/1.1 are refused in
/// the handshake.
public static class TransportSecurity
{
    public static readonly TlsCipherSuite[] AllowedCipherSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    public static void Apply(HttpsConnectionAdapterOptions https)
    {
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        // CipherSuitesPolicy is OpenSSL's (Linux); elsewhere the operating system's TLS defaults apply.
        if (!OperatingSystem.IsLinux()) return;
        var policy = new CipherSuitesPolicy(AllowedCipherSuites);
        var earlier = https.OnAuthenticate;
        https.OnAuthenticate = (connection, options) =>
        {
            earlier?.Invoke(connection, options);
            options.CipherSuitesPolicy = policy;
            options.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        };
    }
}
