using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Hub.Erasure;

/// The keyed pseudonym of a canonical identifier key: what the identifier holdings, the identifiers' own streams,
/// correlation events and access records carry instead of the value. Deterministic under the hub's secret, so the same
/// identifier in two cases still correlates and a lookup still finds it, while a dump of the database (without the
/// secret, which lives in configuration) tells nobody which value it stands for (EPRIS / Ma3tch style).
public sealed class IdentifierPseudonym
{
    public const string Prefix = "pid1:";
    private readonly byte[] secret;

    public IdentifierPseudonym(byte[] secret)
    {
        if (secret.Length < 32) throw new ArgumentException("The pseudonym secret needs at least 32 bytes.", nameof(secret));
        this.secret = secret.ToArray();
    }

    public string Of(string canonicalKey) =>
        Prefix + Base64Url(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("evidencehub/identifier/" + canonicalKey)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
