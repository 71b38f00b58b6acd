using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli;

/// Canonical identifier keys as the hub prints them ("phone:+31612345678", "account:snapchat:snap_user",
/// "wallet:btc:1A1zP1…"), and blind tokens made from them.
///
/// A blind token is HMAC-SHA-256 of the canonical key, so it matches only when the key is exactly the hub's canonical
/// form. The client cannot canonicalise everything the hub can (phone numbering plans, profile URLs), so blind mode
/// takes keys that are already canonical and refuses, with the reason, a key that could not be.
public static partial class IdentifierKeys
{
    private static readonly HashSet<string> Chains = ["btc", "ltc", "doge", "eth", "trx", "xmr"];

    /// Splits a key into the raw identifier it names (for raw-mode questions). The key need not be canonical.
    public static SuspectIdentifierInput ToInput(string key, DateTimeOffset? observedAt = null)
    {
        var (kind, qualifier, value) = Split(key);
        var input = new SuspectIdentifierInput { Kind = kind, Value = value };
        if (kind == IdentifierKind.PlatformAccount) input.Platform = qualifier!;
        if (observedAt is { } at) input.ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);
        return input;
    }

    /// Null when the key is in the hub's canonical form; otherwise what is wrong and what the canonical form looks like.
    public static string? CanonicalProblem(string key)
    {
        IdentifierKind kind; string? qualifier; string value;
        try { (kind, qualifier, value) = Split(key); }
        catch (UsageException e) { return e.Message; }
        return kind switch
        {
            IdentifierKind.PhoneNumber => E164().IsMatch(value) ? null
                : "a phone key is E.164: '+', the country code and the number, digits only (e.g. phone:+31612345678)",
            IdentifierKind.EmailAddress => value != value.ToLowerInvariant() || value.Count(c => c == '@') != 1 || value.Any(char.IsWhiteSpace)
                ? "an e-mail key is the address in lower case with one '@' (e.g. email:someone@example.com)" : null,
            IdentifierKind.PlatformAccount => !PlatformName().IsMatch(qualifier!) ? "the platform is lower case (e.g. account:snapchat:handle)"
                : value != value.ToLowerInvariant() || value.StartsWith('@') || value.Contains('/') || value.Any(char.IsWhiteSpace)
                    ? "an account key holds the handle in lower case without '@' (e.g. account:instagram:some.handle)" : null,
            IdentifierKind.Iban => !Iban().IsMatch(value) ? "an IBAN key is upper case without spaces (e.g. iban:NL91ABNA0417164300)"
                : Mod97(value) != 1 ? "the IBAN check digits do not match (mod-97)" : null,
            IdentifierKind.CryptoWallet => !Chains.Contains(qualifier!) ? $"the chain is one of {string.Join(", ", Chains)} (e.g. wallet:btc:<address>)"
                : qualifier == "eth" && !EthAddress().IsMatch(value) ? "an Ethereum key is 0x and 40 lower-case hex digits"
                : value.StartsWith("bc1", StringComparison.OrdinalIgnoreCase) || value.StartsWith("ltc1", StringComparison.OrdinalIgnoreCase)
                    ? (value != value.ToLowerInvariant() ? "a bech32 address is written in lower case" : null)
                    : null,
            IdentifierKind.IpAddress => IPAddress.TryParse(value, out var ip) && ip.ToString() == value ? null
                : "an IP key is the address in its shortest form (e.g. ip:203.0.113.7 or ip:2001:db8::1)",
            IdentifierKind.FileHashSha256 or IdentifierKind.PerceptualHash => Hex(64).IsMatch(value) ? null : "64 lower-case hex digits",
            IdentifierKind.FileHashMd5 => Hex(32).IsMatch(value) ? null : "32 lower-case hex digits",
            _ => "unknown identifier kind",
        };
    }

    /// "<key id>.<base64url HMAC-SHA-256(key, identifier key)>", as the hub makes them.
    public static string BlindToken(string keyId, byte[] blindingKey, string identifierKey)
    {
        var mac = HMACSHA256.HashData(blindingKey, Encoding.UTF8.GetBytes(identifierKey));
        return $"{keyId}.{Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
    }

    /// The blinding key to use: the hub's current one (tokens under older keys still resolve while they are active).
    public static BlindingKey CurrentKey(BlindingKeys keys) =>
        keys.Keys.FirstOrDefault(k => k.Current) ?? keys.Keys.LastOrDefault()
        ?? throw new UsageException("the hub offers no blinding keys, so blind lookups are not possible there");

    private static (IdentifierKind Kind, string? Qualifier, string Value) Split(string key)
    {
        var text = key.Trim();
        var colon = text.IndexOf(':');
        if (colon <= 0) throw new UsageException($"'{key}' is not an identifier key: write <kind>:<value>, e.g. phone:+31612345678");
        var kind = Vocabulary.KindOfKeyPrefix(text[..colon].ToLowerInvariant())
                   ?? throw new UsageException($"'{text[..colon]}' is not an identifier kind: {Vocabulary.OneOf(Vocabulary.KindWords)}");
        var rest = text[(colon + 1)..];
        if (kind is IdentifierKind.PlatformAccount or IdentifierKind.CryptoWallet)
        {
            var second = rest.IndexOf(':');
            if (second <= 0 || second == rest.Length - 1)
                throw new UsageException(kind == IdentifierKind.PlatformAccount
                    ? $"'{key}': an account key is account:<platform>:<handle>"
                    : $"'{key}': a wallet key is wallet:<chain>:<address>");
            return (kind, rest[..second], rest[(second + 1)..]);
        }
        if (rest.Length == 0) throw new UsageException($"'{key}' has no value after '{text[..colon]}:'");
        return (kind, null, rest);
    }

    private static int Mod97(string iban)
    {
        var remainder = 0;
        foreach (var c in iban[4..] + iban[..4])
            remainder = char.IsAsciiDigit(c) ? (remainder * 10 + (c - '0')) % 97 : (remainder * 100 + (c - 'A' + 10)) % 97;
        return remainder;
    }

    private static Regex Hex(int length) => length == 64 ? Hex64() : Hex32();

    [GeneratedRegex(@"^\+[1-9][0-9]{5,14}$")] private static partial Regex E164();
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,39}$")] private static partial Regex PlatformName();
    [GeneratedRegex("^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")] private static partial Regex Iban();
    [GeneratedRegex("^0x[0-9a-f]{40}$")] private static partial Regex EthAddress();
    [GeneratedRegex("^[0-9a-f]{64}$")] private static partial Regex Hex64();
    [GeneratedRegex("^[0-9a-f]{32}$")] private static partial Regex Hex32();
}
