using EvidenceHub.Hub.Errors;
using EvidenceHub.Oprf;
using Google.Protobuf;

namespace EvidenceHub.Hub.Lookup;

/// The hub's OPRF keys (RFC 9497, ristretto255-SHA512) for blind lookups that do not hand out a key: a client blinds
/// an identifier's canonical key, the hub evaluates the blinded element without learning the identifier, the client
/// finalizes it into the token "oprf1:<key id>:<output>", and the hub, which computes the same PRF for every holding,
/// finds the token in its table. Keys come from configuration "Lookup:OprfKeys:<key id>" (base64 of a 32-byte seed;
/// the key is DeriveKeyPair(seed, KeyInfo)); new evaluations use "Lookup:CurrentOprfKey". An older key's tokens keep
/// working until its entry is removed.
public sealed class OprfKeys
{
    public static ReadOnlySpan<byte> KeyInfo => "EvidenceHub blind lookups"u8;

    private readonly Dictionary<string, OprfServerKey> keys;

    public string? CurrentKeyId { get; }

    public OprfOptions Options { get; }

    public OprfKeys(IReadOnlyDictionary<string, byte[]> seeds, string? currentKeyId, OprfOptions options)
    {
        foreach (var (id, seed) in seeds)
        {
            if (!BlindTokens.KeyIdPattern().IsMatch(id)) throw new InvalidOperationException($"OPRF key id '{id}' must match {BlindTokens.KeyIdPattern()}.");
            if (seed.Length != Ristretto255Oprf.SeedBytes) throw new InvalidOperationException($"OPRF key '{id}' must be a seed of {Ristretto255Oprf.SeedBytes} bytes (base64), not {seed.Length}.");
        }
        if (currentKeyId is not null && !seeds.ContainsKey(currentKeyId))
            throw new InvalidOperationException($"Lookup:CurrentOprfKey names '{currentKeyId}', which is not among Lookup:OprfKeys.");
        if (options.MaxBlindedElementsPerCall < 1) throw new InvalidOperationException("Lookup:MaxBlindedElementsPerCall must be at least 1.");
        keys = seeds.ToDictionary(s => s.Key, s => OprfServerKey.Derive(s.Value, KeyInfo));
        CurrentKeyId = currentKeyId ?? seeds.Keys.Order(StringComparer.Ordinal).LastOrDefault();
        Options = options;
    }

    public static OprfKeys FromConfiguration(IConfiguration configuration) => new(
        configuration.GetSection("Lookup:OprfKeys").GetChildren().ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value ?? "")),
        configuration["Lookup:CurrentOprfKey"],
        configuration.GetSection("Lookup").Get<OprfOptions>() ?? new OprfOptions());

    public IEnumerable<string> KeyIds => keys.Keys;

    /// The token of an identifier the hub holds, under one key: the full PRF, no blinding.
    public string TokenFor(string keyId, string identifierKey) => OprfToken.Format(keyId, keys[keyId].Evaluate(OprfToken.Input(identifierKey)));

    public IEnumerable<string> TokensFor(string identifierKey) => keys.Keys.Select(id => TokenFor(id, identifierKey));

    /// Null when the token is well formed under an active OPRF key; otherwise why it is not.
    public string? Problem(string token)
    {
        if (!OprfToken.TryParse(token, out var keyId, out _))
            return keyId.Length == 0 ? "is not of the form oprf1:<key id>:<base64url output>" : $"does not carry a base64url OPRF output ({OprfToken.EncodedOutputLength} characters)";
        return keys.ContainsKey(keyId) ? null : $"names OPRF key id '{keyId}', which is not an active OPRF key";
    }

    /// BlindEvaluate under the current key, every element checked first (Check): a bad one fails the call, naming its
    /// index.
    public (string KeyId, List<ByteString> Evaluated) Evaluate(IReadOnlyList<ByteString> blindedElements, string field = "blinded_elements")
    {
        Check(blindedElements, field);
        var key = keys[CurrentKeyId!];
        return (CurrentKeyId!, blindedElements.Select(e => UnsafeByteOperations.UnsafeWrap(key.BlindEvaluate(e.Span))).ToList());
    }

    /// What Evaluate refuses, without evaluating: so that a refused call costs the caller no quota.
    public void Check(IReadOnlyList<ByteString> blindedElements, string field = "blinded_elements")
    {
        if (CurrentKeyId is null) throw Rejection.FailedPrecondition("NO_OPRF_KEY", "the hub has no OPRF key configured, so it cannot evaluate blinded elements");
        if (blindedElements.Count == 0) throw Rejection.InvalidArgument(field, "is required: at least one blinded element");
        if (blindedElements.Count > Options.MaxBlindedElementsPerCall)
            throw Rejection.InvalidArgument(field, $"holds {blindedElements.Count} elements; at most {Options.MaxBlindedElementsPerCall} per call");
        for (var i = 0; i < blindedElements.Count; i++)
            if (Ristretto255Oprf.ElementProblem(blindedElements[i].Span) is { } problem) throw Rejection.InvalidArgument($"{field}[{i}]", problem);
    }
}
