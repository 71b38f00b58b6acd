using System.Globalization;
using System.Text;

namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// E-mail addresses: trimmed, lower-cased, the domain in its ASCII (punycode) form so "ü" and "xn--…" spellings match.
/// No provider-specific folding (Gmail dots, "+tags"): that would merge addresses some providers keep apart.
internal static class EmailAddressCanonicalizer
{
    private const int MaxLocalPartLength = 64;
    private const int MaxAddressLength = 254;

    public static CanonicalizationResult Canonicalize(string value)
    {
        var text = value.Trim();
        if (text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)) text = text[7..];
        if (text.Length >= 2 && text[0] == '<' && text[^1] == '>') text = text[1..^1];
        // Composed and decomposed spellings of the same accented letter must be one address.
        text = text.Normalize(NormalizationForm.FormC);

        if (Refuse.HasWhitespaceOrControl(text)) return Refuse.Value("an e-mail address must not contain spaces");

        var at = text.IndexOf('@');
        if (at < 0) return Refuse.Value("an e-mail address needs an '@'");
        if (text.IndexOf('@', at + 1) >= 0) return Refuse.Value("an e-mail address has exactly one '@'");

        var local = text[..at];
        var domain = text[(at + 1)..];
        if (local.Length == 0) return Refuse.Value("the part before '@' is empty");
        if (local.Length > MaxLocalPartLength) return Refuse.Value($"the part before '@' is longer than {MaxLocalPartLength} characters");
        if (local.IndexOfAny(['<', '>', '(', ')', '[', ']', '\\', ',', ';', ':', '"']) >= 0)
            return Refuse.Value("the part before '@' contains a character not allowed in an address");

        // A fully qualified "example.nl." is the same domain as "example.nl".
        if (domain.EndsWith('.')) domain = domain[..^1];
        if (domain.Length == 0) return Refuse.Value("the domain after '@' is empty");

        string asciiDomain;
        try
        {
            // A new mapping per call: IdnMapping is not documented as safe for concurrent use.
            asciiDomain = new IdnMapping { UseStd3AsciiRules = true }.GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return Refuse.Value("the domain after '@' is not a valid host name");
        }

        var labels = asciiDomain.Split('.');
        if (labels.Length < 2) return Refuse.Value("the domain after '@' needs a dot (e.g. example.nl)");
        if (labels.Any(l => l.Length == 0)) return Refuse.Value("the domain after '@' has an empty label");
        var topLevel = labels[^1];
        if (topLevel.Length < 2 || topLevel.All(char.IsAsciiDigit)) return Refuse.Value("the domain after '@' does not end in a top-level domain");

        var address = $"{local.ToLowerInvariant()}@{asciiDomain}";
        if (address.Length > MaxAddressLength) return Refuse.Value($"an e-mail address is at most {MaxAddressLength} characters");
        return CanonicalizationResult.Accepted(IdentifierKind.EmailAddress, address);
    }
}
