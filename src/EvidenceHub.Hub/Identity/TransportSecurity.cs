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
        var earlier = https.OnAuthenticate;
        // No TLS session resumption: on Linux, .NET 10 resumes sessions with client certificates, and resumed sessions
        // have lost the certificate's state (dotnet/runtime#123238); a unit whose reconnect resumed would be refused as
        // unauthenticated. Suspected, not proven, cause of rare 401s of valid units in the real-Kestrel tests. A full
        // handshake per connection costs little: a unit's HTTP/2 connection is long-lived.
        // CipherSuitesPolicy is OpenSSL's (Linux); elsewhere the operating system's TLS defaults apply.
        if (!OperatingSystem.IsLinux())
        {
            https.OnAuthenticate = (connection, options) =>
            {
                earlier?.Invoke(connection, options);
                options.AllowTlsResume = false;
            };
            return;
        }
        var policy = new CipherSuitesPolicy(AllowedCipherSuites);
        https.OnAuthenticate = (connection, options) =>
        {
            earlier?.Invoke(connection, options);
            options.AllowTlsResume = false;
            options.CipherSuitesPolicy = policy;
            options.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        };
    }
}
