using System.Text;

namespace EvidenceHub.Hub.Errors;

/// Caller-supplied text made safe to quote in an error or a log line: bounded, and with every control or
/// bidirectional-formatting character escaped, so that a value can neither fill the trailers nor forge a log line.
public static class LogText
{
    public const int MaxQuoted = 64;

    /// At most MaxQuoted characters of the value, escaped, with "…" when cut.
    public static string Quote(string? value, int max = MaxQuoted)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var cut = value.Length > max;
        var escaped = Escape(cut ? value[..max] : value);
        return cut ? escaped + "…" : escaped;
    }

    /// Escapes control characters (newlines included) and bidirectional overrides as \uXXXX; the rest stays.
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value)) return value ?? "";
        if (!value.Any(NeedsEscape)) return value;
        var text = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (c == '\\') text.Append(@"\\");
            else if (NeedsEscape(c)) text.Append($"\\u{(int)c:x4}");
            else text.Append(c);
        }
        return text.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\\' or '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
