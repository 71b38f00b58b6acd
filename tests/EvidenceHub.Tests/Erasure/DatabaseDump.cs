using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace EvidenceHub.Tests.Erasure;

/// A pg_dump of a whole test database, searched for a value as text, inside every base64 string (feed items and
/// command receipts store protobufs as base64 in JSON) and inside every bytea (pg_dump writes \x hex): a plain grep
/// of the dump misses the value in those.
public sealed partial class DatabaseDump(string text)
{
    public string Text { get; } = text;

    public static async Task<DatabaseDump> Of(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(PgDump(), ["-h", b.Host!, "-p", b.Port.ToString(), "-U", b.Username ?? "postgres", "--no-owner", b.Database!])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException("pg_dump failed: " + await errors);
        return new DatabaseDump(await output);
    }

    /// Where the bytes occur: "text", "base64" or "bytea"; empty when nowhere.
    public IReadOnlyList<string> Find(byte[] value)
    {
        var found = new List<string>();
        if (Text.Contains(Encoding.UTF8.GetString(value), StringComparison.OrdinalIgnoreCase)) found.Add("text");
        foreach (Match m in Base64().Matches(Text))
        {
            var candidate = m.Value.Length % 4 == 0 ? m.Value : null;
            if (candidate is null) continue;
            try { if (Convert.FromBase64String(candidate).AsSpan().IndexOf(value) >= 0) { found.Add("base64"); break; } }
            catch (FormatException) { }
        }
        if (Text.Contains(@"\x" + Convert.ToHexStringLower(value), StringComparison.Ordinal) || Text.Contains(Convert.ToHexStringLower(value), StringComparison.Ordinal))
            found.Add("bytea");
        return found;
    }

    public IReadOnlyList<string> Find(string value) => Find(Encoding.UTF8.GetBytes(value));

    private static string PgDump()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "pg_dump"))
            : [];
        return candidates.FirstOrDefault(File.Exists) ?? "pg_dump";
    }

    [GeneratedRegex("[A-Za-z0-9+/]{16,}={0,2}")]
    private static partial Regex Base64();
}
