using System.Text.Json.Nodes;

namespace EvidenceHub.Hub.Erasure;

/// An event's stored JSON with its sealed fields opened, for an auditor to read (ReplayCase): each Sealed object
/// ({"Subject", "Ciphertext"}) becomes its text, opened under the subject's key with its property name as the field, or
/// the erased placeholder. The stored JSON itself is never changed: it is what the audit log's leaf hashed.
public static class SealedJson
{
    public const string DamagedPlaceholder = "[damaged]";

    // For people to read: a time's "+00:00" stays as it is stored, not "\u002B00:00".
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Opened(string storedJson, SubjectKeyRing keys)
    {
        if (!storedJson.Contains("\"Ciphertext\"", StringComparison.Ordinal)) return storedJson;
        var root = JsonNode.Parse(storedJson);
        Open(root, keys);
        return root?.ToJsonString(Readable) ?? storedJson;
    }

    private static void Open(JsonNode? node, SubjectKeyRing keys)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (AsSealed(value) is { } sealedValue) obj[name] = OpenOne(sealedValue, keys, name);
                    else Open(value, keys);
                }
                break;
            case JsonArray array:
                foreach (var item in array) Open(item, keys);
                break;
        }
    }

    private static string OpenOne(Sealed value, SubjectKeyRing keys, string field)
    {
        try { return value.Open(keys, field); }
        catch (SealedValueDamaged) { return DamagedPlaceholder; }
    }

    private static Sealed? AsSealed(JsonNode? node) =>
        node is JsonObject { Count: 2 } obj
        && obj[nameof(Sealed.Subject)] is JsonValue subject && subject.TryGetValue<string>(out var subjectText) && Guid.TryParse(subjectText, out var id)
        && obj[nameof(Sealed.Ciphertext)] is JsonValue ciphertext && ciphertext.TryGetValue<string>(out var text)
            ? new Sealed(id, text)
            : null;
}
