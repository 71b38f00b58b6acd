namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// IBANs (ISO 13616): the electronic form, upper-case without spaces, after the length and mod-97 checks, so a
/// mistyped account never matches (or falsely links) another case.
internal static class IbanCanonicalizer
{
    private const int MinUnknownLength = 15;
    private const int MaxUnknownLength = 34;

    /// IBAN lengths from the SWIFT IBAN registry; French overseas territories use the French format.
    private static readonly Dictionary<string, int> Lengths = new(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AX"] = 18, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22,
        ["BH"] = 22, ["BI"] = 27, ["BL"] = 27, ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24,
        ["DE"] = 22, ["DJ"] = 27, ["DK"] = 18, ["DO"] = 28, ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18, ["FK"] = 18,
        ["FO"] = 18, ["FR"] = 27, ["GB"] = 22, ["GE"] = 22, ["GF"] = 27, ["GI"] = 23, ["GL"] = 18, ["GP"] = 27, ["GR"] = 27,
        ["GT"] = 28, ["HR"] = 21, ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26, ["IT"] = 27, ["JO"] = 30,
        ["KW"] = 30, ["KZ"] = 20, ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20, ["LV"] = 21, ["LY"] = 25,
        ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MF"] = 27, ["MK"] = 19, ["MN"] = 20, ["MQ"] = 27, ["MR"] = 27, ["MT"] = 31,
        ["MU"] = 30, ["NC"] = 27, ["NI"] = 28, ["NL"] = 18, ["NO"] = 15, ["OM"] = 23, ["PF"] = 27, ["PK"] = 24, ["PL"] = 28,
        ["PM"] = 27, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RE"] = 27, ["RO"] = 24, ["RS"] = 22, ["RU"] = 33, ["SA"] = 24,
        ["SC"] = 31, ["SD"] = 18, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["SO"] = 23, ["ST"] = 25, ["SV"] = 28,
        ["TF"] = 27, ["TL"] = 23, ["TN"] = 24, ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["WF"] = 27, ["XK"] = 20,
        ["YE"] = 30, ["YT"] = 27,
    };

    public static CanonicalizationResult Canonicalize(string value)
    {
        var text = value.Trim();
        // Statements and invoices print "IBAN NL91 ABNA ..." or "IBAN: NL91...".
        if (text.Length > 4 && text.StartsWith("IBAN", StringComparison.OrdinalIgnoreCase) && (text[4] == ':' || char.IsWhiteSpace(text[4])))
            text = text[4..].TrimStart(':').Trim();

        var iban = new string([.. text.Where(c => !char.IsWhiteSpace(c) && c != '-')]).ToUpperInvariant();
        if (iban.Length == 0) return Refuse.Value("the IBAN is empty");
        if (!iban.All(char.IsAsciiLetterOrDigit)) return Refuse.Value("an IBAN contains only letters and digits (spaces and hyphens are ignored)");
        if (iban.Length < 4 || !char.IsAsciiLetter(iban[0]) || !char.IsAsciiLetter(iban[1]))
            return Refuse.Value("an IBAN starts with a two-letter country code");
        if (!char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3]))
            return Refuse.Value("an IBAN has two check digits after the country code");

        var country = iban[..2];
        if (Lengths.TryGetValue(country, out var length))
        {
            if (iban.Length != length) return Refuse.Value($"an IBAN from {country} has {length} characters, this one has {iban.Length}");
        }
        else if (iban.Length is < MinUnknownLength or > MaxUnknownLength)
        {
            return Refuse.Value($"an IBAN has {MinUnknownLength} to {MaxUnknownLength} characters, this one has {iban.Length}");
        }

        if (Mod97(iban) != 1) return Refuse.Value("the IBAN check digits do not match (mod-97): probably a mistyped character");
        return CanonicalizationResult.Accepted(IdentifierKind.Iban, iban);
    }

    /// ISO 7064 MOD 97-10 over the rearranged IBAN (first four characters moved to the end, letters as 10..35),
    /// computed digit by digit so no big integer is needed.
    private static int Mod97(string iban)
    {
        var remainder = 0;
        foreach (var c in iban[4..] + iban[..4])
        {
            if (char.IsAsciiDigit(c)) remainder = (remainder * 10 + (c - '0')) % 97;
            else remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
        }
        return remainder;
    }
}
