using System.Security.Cryptography.X509Certificates;

namespace EvidenceHub.Hub.Identity;

/// Which registered unit a client certificate speaks for, or why it speaks for none. Runs after the chain to the
/// hub's CA has been checked. Strict on purpose: a certificate names a unit by exactly one common name and nothing
/// else (not O, OU or e-mail, which X509NameType.SimpleName falls back to), and only a leaf issued for client
/// authentication identifies a unit.
public static class UnitCertificate
{
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";
    private const string CommonNameOid = "2.5.4.3";

    /// Null when the certificate identifies <paramref name="unit"/>; otherwise the reason, for the hub's log.
    public static string? Problem(X509Certificate2 certificate, UnitRegistry registry, out UnitRegistration? unit)
    {
        unit = null;
        var commonNames = new List<string?>();
        foreach (var name in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            // A multi-valued name component could hide a second common name; unit certificates have none.
            if (name.HasMultipleElements) return "has a multi-valued component in its subject";
            if (name.GetSingleElementType().Value == CommonNameOid) commonNames.Add(name.GetSingleElementValue());
        }
        if (commonNames.Count != 1)
            return $"has {commonNames.Count} common names in its subject; a unit certificate has exactly one, its unit id";

        var constraints = Extensions<X509BasicConstraintsExtension>(certificate);
        // RFC 5280 4.2.1.9: without basic constraints a certificate is not a CA, so absent counts as a leaf.
        if (constraints.Count > 1 || constraints.Any(c => c.CertificateAuthority))
            return "is a CA certificate (basic constraints CA:TRUE); only a leaf certificate identifies a unit";

        var keyUsages = Extensions<X509KeyUsageExtension>(certificate);
        if (keyUsages.Count > 1 || keyUsages.Any(k => !k.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature)))
            return "has a key usage without digitalSignature, which TLS client authentication needs";

        var purposes = Extensions<X509EnhancedKeyUsageExtension>(certificate);
        if (purposes.Count != 1 || !purposes[0].EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(p => p.Value == ClientAuthenticationOid))
            return "does not carry the clientAuth extended key usage (1.3.6.1.5.5.7.3.2)";

        var unitId = commonNames[0] ?? "";
        unit = registry.Find(unitId);
        return unit is null ? $"names unit '{Printable(unitId)}', which is not registered at this hub" : null;
    }

    private static List<T> Extensions<T>(X509Certificate2 certificate) where T : X509Extension =>
        certificate.Extensions.OfType<T>().ToList();

    /// A subject is attacker text: bounded and without control characters before it reaches a log line.
    private static string Printable(string value) =>
        new(value.Take(64).Select(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\u202E' or '\u202D' ? '?' : c).ToArray());
}
