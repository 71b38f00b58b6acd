using System.Globalization;
using System.Text;

namespace EvidenceHub.Hub.Audit;

/// Makes any text storable in the access log. PostgreSQL's jsonb and text refuse NUL, and UTF-8 cannot carry a lone
/// surrogate; both arrive in attacker-chosen text (a certificate subject, a header, a justification). Such characters,
/// and every other control or invisible formatting character except newline and tab, become U+FFFD, so the record
/// shows that something was there; the result is cut to a bound (never inside a surrogate pair).
public static class AuditText
{
    public const char Replacement = '\uFFFD';
    public const string Truncated = "…(truncated)";

    public static string Storable(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        return text.Length <= maxLength && IsStorable(text) ? text : Clean(text, maxLength);
    }

    public static string? StorableOrNull(string? text, int maxLength) => text is null ? null : Storable(text, maxLength);

    private static bool IsStorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (!Kept(c)) return false;
        }
        return true;
    }

    private static string Clean(string text, int maxLength)
    {
        var cut = text.Length > maxLength;
        var end = cut ? Math.Max(0, maxLength - Truncated.Length) : text.Length;
        if (cut && end > 0 && char.IsHighSurrogate(text[end - 1])) end--;
        var builder = new StringBuilder(end + (cut ? Truncated.Length : 0));
        for (var i = 0; i < end; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(text[i + 1])) { builder.Append(c).Append(text[++i]); continue; }
            builder.Append(Kept(c) ? c : Replacement);
        }
        if (cut) builder.Append(Truncated);
        return builder.ToString();
    }

    // Newline and tab are kept (a justification may hold them); every other control, format (bidi overrides, zero-width
    // characters), line or paragraph separator and lone surrogate is replaced.
    private static bool Kept(char c) => c is '\n' or '\t' || CharUnicodeInfo.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };
}
