using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EvidenceHub.Tests.Infrastructure;

/// A throw-away certificate authority with the sample units' client certificates, made in memory for each test run.
public sealed class TestPki : IDisposable
{
    public X509Certificate2 Authority { get; }
    public string AuthorityPemPath { get; }

    public TestPki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EvidenceHub test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        AuthorityPemPath = Path.Combine(Path.GetTempPath(), $"evidencehub-test-ca-{Guid.NewGuid():N}.crt");
        File.WriteAllText(AuthorityPemPath, Authority.ExportCertificatePem());
    }

    /// A client certificate whose common name is the unit id, issued by this CA (or by a stranger CA when untrusted).
    public X509Certificate2 ClientCertificate(string unitId) => Issue(Authority, $"CN={unitId}, O=EvidenceHub test", clientAuth: true);

    public X509Certificate2 ServerCertificate() => Issue(Authority, "CN=localhost", clientAuth: false);

    /// A certificate for the given unit id signed by a CA that the hub does not trust.
    public static X509Certificate2 UntrustedClientCertificate(string unitId)
    {
        using var stranger = new TestPki();
        return Issue(stranger.Authority, $"CN={unitId}", clientAuth: true);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, bool clientAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(clientAuth ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        if (!clientAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        // Round-trip through PKCS#12 so the private key is usable by SslStream on Linux.
        return X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        File.Delete(AuthorityPemPath);
        Authority.Dispose();
    }
}
