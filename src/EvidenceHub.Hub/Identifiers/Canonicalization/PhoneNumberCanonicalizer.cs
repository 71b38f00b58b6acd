using PhoneNumbers;

namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// Phone numbers become E.164 ("+31612345678"), using libphonenumber's per-country numbering plans.
internal static class PhoneNumberCanonicalizer
{
    private const string UnknownRegion = "ZZ";
    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();
    private static readonly HashSet<string> Regions = [.. Numbers.GetSupportedRegions()];

    public static CanonicalizationResult Canonicalize(string value, string? defaultRegion)
    {
        var text = value.Trim();
        if (text.StartsWith("tel:", StringComparison.OrdinalIgnoreCase)) text = text[4..];

        // Digits and the usual separators only: libphonenumber would otherwise read letters as a vanity number
        // ("1-800-FLOWERS") or pick digits out of surrounding prose, and an extension ("ext. 12") would be silently
        // dropped, merging every line behind one switchboard into one suspect.
        if (text.Any(c => !(char.IsDigit(c) || char.IsWhiteSpace(c) || c is '+' or '-' or '.' or '(' or ')' or '/')))
            return Refuse.Value("a phone number may contain only digits, spaces, '+', '-', '.', '/' and parentheses (no letters or extensions)");

        var region = NormalizeRegion(defaultRegion);
        var international = text.TrimStart().StartsWith('+');
        if (!international && region == UnknownRegion)
            return Refuse.Value($"the number has no country code (+…) and the case's country '{defaultRegion}' is not a known region; send it in international form");

        PhoneNumber number;
        try
        {
            number = Numbers.Parse(text, region);
        }
        catch (NumberParseException e)
        {
            return Refuse.Value(e.ErrorType switch
            {
                ErrorType.INVALID_COUNTRY_CODE => "the number's country calling code is unknown",
                ErrorType.TOO_SHORT_AFTER_IDD => "the number is too short after the international prefix",
                ErrorType.TOO_SHORT_NSN => "the number is too short",
                ErrorType.TOO_LONG => "the number is too long",
                _ => "not a phone number",
            });
        }

        if (number.HasExtension) return Refuse.Value("phone number extensions are not accepted");

        if (!Numbers.IsValidNumber(number))
        {
            var country = $"+{number.CountryCode}";
            return Refuse.Value(Numbers.IsPossibleNumberWithReason(number) switch
            {
                PhoneNumberUtil.ValidationResult.TOO_SHORT => $"the number is too short for country code {country}",
                PhoneNumberUtil.ValidationResult.TOO_LONG => $"the number is too long for country code {country}",
                PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => "the number's country calling code is unknown",
                _ => $"not a valid number in the numbering plan of country code {country}"
                     + (international ? "" : $" (read as a national number of {region}; send foreign numbers with +country code)"),
            });
        }

        return CanonicalizationResult.Accepted(IdentifierKind.PhoneNumber, Numbers.Format(number, PhoneNumberFormat.E164));
    }

    private static string NormalizeRegion(string? region)
    {
        var code = region?.Trim().ToUpperInvariant();
        return code is not null && Regions.Contains(code) ? code : UnknownRegion;
    }
}
