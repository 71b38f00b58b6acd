using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Store;
using EvidenceHub.Oprf;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Lookup;

/// Blind tokens (EPRIS / FIU.net Ma3tch style): HMAC-SHA-256 of an identifier's canonical key under a hub key that
/// partners may hold, written "<key id>.<base64url mac>", so that a partner can ask about a value without sending it.
/// Several keys may be active at once (rotation): tokens are made under each, and the key id says which one a
/// partner used. Keys come from configuration "Lookup:BlindingKeys:<key id>" (base64, at least 32 bytes), the key
/// for new partners from "Lookup:CurrentBlindingKey".
/// Deprecated, since every participant holds the key: OPRF tokens (OprfKeys) are made beside them and live in the
/// same table, so that a lookup by token finds either kind.
public sealed partial class BlindTokens
{
    private readonly Dictionary<string, byte[]> keys;

    public string? CurrentKeyId { get; }

    public OprfKeys Oprf { get; }

    /// Whether imported hash lists get blind tokens too ("Lookup:BlindTokensForHashLists", off by default). An OPRF
    /// token costs ~0.1 ms of CPU: a list of a million two-hash rows is minutes of every core after its import, while
    /// a hash of known material is no personal data and is asked by value (docs/media.md). Off, a blind lookup of an
    /// imported hash answers no-hit; by value it hits.
    public bool ForHashLists { get; init; }

    public BlindTokens(IReadOnlyDictionary<string, byte[]> keys, string? currentKeyId, OprfKeys? oprf = null)
    {
        foreach (var (id, key) in keys)
        {
            if (!KeyIdPattern().IsMatch(id)) throw new InvalidOperationException($"Blinding key id '{id}' must match {KeyIdPattern()}.");
            if (key.Length < 32) throw new InvalidOperationException($"Blinding key '{id}' is shorter than 32 bytes.");
        }
        if (currentKeyId is not null && !keys.ContainsKey(currentKeyId))
            throw new InvalidOperationException($"Lookup:CurrentBlindingKey names '{currentKeyId}', which is not among Lookup:BlindingKeys.");
        this.keys = keys.ToDictionary();
        CurrentKeyId = currentKeyId ?? keys.Keys.Order(StringComparer.Ordinal).LastOrDefault();
        Oprf = oprf ?? new OprfKeys(new Dictionary<string, byte[]>(), null, new OprfOptions());
    }

    public static BlindTokens FromConfiguration(IConfiguration configuration) => new(
        configuration.GetSection("Lookup:BlindingKeys").GetChildren().ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value ?? "")),
        configuration["Lookup:CurrentBlindingKey"],
        OprfKeys.FromConfiguration(configuration))
    {
        ForHashLists = configuration.GetValue("Lookup:BlindTokensForHashLists", false),
    };

    public IReadOnlyDictionary<string, byte[]> Keys => keys;

    public IEnumerable<string> TokensFor(string identifierKey) => keys.Keys.Select(id => TokenFor(id, identifierKey)).Concat(Oprf.TokensFor(identifierKey));

    public string TokenFor(string keyId, string identifierKey)
    {
        var mac = HMACSHA256.HashData(keys[keyId], Encoding.UTF8.GetBytes(identifierKey));
        return $"{keyId}.{Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
    }

    /// Null when the token is well formed under an active key; otherwise why it is not.
    public string? Problem(string token)
    {
        if (token.StartsWith(OprfToken.Prefix, StringComparison.Ordinal)) return Oprf.Problem(token);
        var dot = token.IndexOf('.');
        if (dot <= 0) return "is not of the form <key id>.<base64url mac>";
        if (!keys.ContainsKey(token[..dot])) return $"names key id '{Errors.LogText.Quote(token[..dot])}', which is not an active blinding key";
        return token.Length - dot - 1 == 43 && token[(dot + 1)..].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? null
            : "does not carry a base64url HMAC-SHA-256 (43 characters)";
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,32}$")]
    internal static partial Regex KeyIdPattern();
}
