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

    /// The key an identifier is matched on (holdings, identifier streams, tokens, access index): the pseudonym of its
    /// canonical key; a file or image hash keeps its canonical key, since it identifies a picture, not a person, and the
    /// near-match index and hosting parties' hash checks compare hashes themselves (docs/erasure.md, risk c).
    public string MatchKeyOf(Identifiers.CanonicalIdentifier identifier) => MatchKeyOf(identifier.Key);

    /// The same for a key as a request names it: a canonical key ("phone:+31…") is pseudonymised, a pseudonym or a hash
    /// key is taken as it is.
    public string MatchKeyOf(string key) => IsKeptAsIs(key) ? key : Of(key);

    public static bool IsPseudonym(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    private static readonly string[] HashPrefixes = ["sha256:", "md5:", "sha1:", "pdq:"];

    private static bool IsKeptAsIs(string key) => IsPseudonym(key) || HashPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
