using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// The canonical leaf bytes of a stored event. Written by hand rather than by a JSON library so that the bytes depend
/// on nothing but the stored content: a library upgrade that escapes differently would otherwise "alter" every leaf.
/// The event's data enters as its SHA-256 (of the JSON text PostgreSQL returns for the jsonb value), so leaves and
/// proofs can be shown to a court without disclosing case data, while ReplayCase's data_json still hashes to it.
public static class LogLeaf
{
    public static byte[] Encode(StoredEvent e)
    {
        var json = new StringBuilder(384);
        json.Append("{\"sequence\":").Append(e.Sequence.ToString(CultureInfo.InvariantCulture));
        json.Append(",\"stream\":"); String(json, e.StreamId.ToString("D"));
        json.Append(",\"version\":").Append(e.Version.ToString(CultureInfo.InvariantCulture));
        json.Append(",\"type\":"); String(json, e.Type);
        json.Append(",\"timestamp\":"); String(json, Timestamp(e.Timestamp));
        json.Append(",\"actor\":"); String(json, e.UserName);
        json.Append(",\"correlation_id\":"); String(json, e.CorrelationId);
        json.Append(",\"causation_id\":"); String(json, e.CausationId);
        json.Append(",\"headers\":").Append(e.HeadersJson ?? "null");
        json.Append(",\"data_sha256\":"); String(json, DataHash(e.DataJson));
        json.Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    public static byte[] Hash(StoredEvent e) => MerkleTree.LeafHash(Encode(e));

    public static string DataHash(string dataJson) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataJson)));

    /// UTC with the microseconds PostgreSQL keeps.
    public static string Timestamp(DateTime at) =>
        DateTime.SpecifyKind(at.ToUniversalTime(), DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    // RFC 8785 string escaping: only the quote, the backslash and control characters.
    private static void String(StringBuilder json, string? value)
    {
        if (value is null) { json.Append("null"); return; }
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }
}
