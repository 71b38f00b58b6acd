using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EvidenceHub.Testing;

/// A certificate authority made in memory for one run: the hub trusts it (its PEM is written to a temporary file for
/// Identity:TrustedCaPath), the server and every unit get a certificate from it, and nothing outlives the run.
/// One source for the hub's tests, the client's tests and the benchmarks (each project links this file).
public sealed class ThrowawayPki : IDisposable
{
    private readonly string organization;

    public X509Certificate2 Authority { get; }
    public string AuthorityPemPath { get; }

    public ThrowawayPki(string organization = "EvidenceHub test")
    {
        this.organization = organization;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={organization} CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        AuthorityPemPath = Path.Combine(Path.GetTempPath(), $"evidencehub-ca-{Guid.NewGuid():N}.crt");
        File.WriteAllText(AuthorityPemPath, Authority.ExportCertificatePem());
    }

    /// A unit's client certificate, with its private key: the common name is the unit id.
    public X509Certificate2 ClientCertificate(string unitId, string? country = null) =>
        Issue(Authority, $"CN={unitId}{(country is null ? "" : $", C={country}")}, O={organization}", clientAuth: true);

    public X509Certificate2 ServerCertificate() => Issue(Authority, "CN=localhost", clientAuth: false);

    /// A client certificate of any shape, for tests of what the hub refuses: the given subject, basic constraints,
    /// key usage and extended key usages (none when empty), issued by this CA.
    public X509Certificate2 ShapedClientCertificate(X500DistinguishedName subject, bool certificateAuthority = false,
        X509KeyUsageFlags keyUsage = X509KeyUsageFlags.DigitalSignature, params string[] extendedKeyUsages)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        if (extendedKeyUsages.Length > 0)
        {
            var purposes = new OidCollection();
            foreach (var purpose in extendedKeyUsages) purposes.Add(new Oid(purpose));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(purposes, false));
        }
        return Finish(request, key, Authority);
    }

    /// A CRL of this CA, PEM-encoded, revoking the given certificates.
    public string RevocationListPem(IEnumerable<X509Certificate2> revoked, long number, DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        var der = builder.Build(Authority, number, nextUpdate ?? DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256,
            thisUpdate: DateTimeOffset.UtcNow.AddMinutes(-1));
        return PemEncoding.WriteString("X509 CRL", der);
    }

    /// A certificate for the given unit id signed by a CA that the hub does not trust.
    public static X509Certificate2 UntrustedClientCertificate(string unitId)
    {
        using var stranger = new ThrowawayPki("EvidenceHub stranger");
        return stranger.ClientCertificate(unitId);
    }

    /// Whether a server certificate chains to this CA, as a unit that trusts only the hub's CA checks it.
    public bool Issued(X509Certificate? certificate)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
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
        return Finish(request, key, issuer);
    }

    private static X509Certificate2 Finish(CertificateRequest request, ECDsa key, X509Certificate2 issuer)
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        // Through PKCS#12, so that SslStream on Linux can use the private key (and the client's tests can export it).
        return X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    public void Dispose()
    {
        File.Delete(AuthorityPemPath);
        Authority.Dispose();
    }
}
