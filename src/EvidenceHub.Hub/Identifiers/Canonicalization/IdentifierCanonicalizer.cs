using EvidenceHub.Hub.Identifiers.Canonicalization;

namespace EvidenceHub.Hub.Identifiers;

/// Turns what a unit sent into the one form identifiers are stored and matched on, so that the same phone number,
/// handle or wallet written differently by two units is still one identifier.
public static class IdentifierCanonicalizer
{
    public const int MaxValueLength = 256;

    /// defaultRegion: ISO 3166 alpha-2 country of the case (used for national phone formats such as "06-12345678" in NL).
    /// Returns either a canonical identifier or a violation, never throws on bad input.
    public static CanonicalizationResult Canonicalize(RawIdentifier raw, string defaultRegion)
    {
        // Callers outside the nullable world (deserialisers, reflection) can still hand us nulls.
        if (raw is null) return Refuse.Value("an identifier is required");
        if (raw.Value is null || string.IsNullOrWhiteSpace(raw.Value)) return Refuse.Value("must not be empty");
        if (raw.Value.Length > MaxValueLength) return Refuse.Value($"must be at most {MaxValueLength} characters, got {raw.Value.Length}");

        return raw.Kind switch
        {
            IdentifierKind.PhoneNumber => PhoneNumberCanonicalizer.Canonicalize(raw.Value, defaultRegion),
            IdentifierKind.EmailAddress => EmailAddressCanonicalizer.Canonicalize(raw.Value),
            IdentifierKind.PlatformAccount => PlatformAccountCanonicalizer.Canonicalize(raw.Value, raw.Platform),
            IdentifierKind.Iban => IbanCanonicalizer.Canonicalize(raw.Value),
            IdentifierKind.CryptoWallet => CryptoWalletCanonicalizer.Canonicalize(raw.Value),
            IdentifierKind.IpAddress => IpAddressCanonicalizer.Canonicalize(raw.Value, raw.ObservedAt),
            IdentifierKind.FileHashSha256 or IdentifierKind.FileHashMd5 or IdentifierKind.FileHashSha1 or IdentifierKind.PerceptualHash => DigestCanonicalizer.Canonicalize(raw.Kind, raw.Value),
            _ => CanonicalizationResult.Refused(IdentifierViolation.KindField, $"unknown identifier kind {(int)raw.Kind}"),
        };
    }
}
