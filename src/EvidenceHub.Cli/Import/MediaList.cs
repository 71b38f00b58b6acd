using System.Globalization;
using System.Text.Json;

namespace EvidenceHub.Cli.Import;

/// One media record of a hash list, as read from the file: its place there (a CSV line, or the record's position in a
/// VICS file, from 1) and its fields under the CSV columns' names, so that the import plans, reports and writes back
/// rejected records of either format alike.
public static class MediaList
{
    /// The CSV header (ICSE-style: hash columns, then the category and the VICS flags). sha256, sha1 or md5 is needed;
    /// pdq is 64 hex digits (Meta's order) with pdq_quality 0-100; booleans are true/false, 1/0 or yes/no, empty false.
    public static readonly string[] Columns =
        ["sha256", "sha1", "md5", "pdq", "pdq_quality", "category", "victim_identified", "offender_identified", "distributed"];

    /// A VICS record's fields (VICS 2.0 JSON as Project VIC's partners publish it: an OData document whose "value"
    /// holds cases, each with a "Media" array) and the columns they fill. SHA256, PDQ and PDQQuality are not in every
    /// VICS export; they are read when present. PhotoDNA and the other VICS fields are not used by the hub.
    private static readonly (string Vics, string Column)[] VicsFields =
    [
        ("SHA256", "sha256"), ("SHA1", "sha1"), ("MD5", "md5"), ("PDQ", "pdq"), ("PDQQuality", "pdq_quality"), ("Category", "category"),
        ("VictimIdentified", "victim_identified"), ("OffenderIdentified", "offender_identified"), ("IsDistributed", "distributed"),
    ];

    public sealed record Read(IReadOnlyList<string> Header, List<ImportRow> Rows, string Format);

    /// A VICS JSON file (its first character is '{' or '['), else CSV with the header above.
    public static Read From(TextReader reader, string name)
    {
        var text = reader.ReadToEnd().TrimStart('\uFEFF');
        var first = text.AsSpan().TrimStart();
        return first.Length > 0 && first[0] is '{' or '[' ? FromVics(text, name) : FromCsv(new StringReader(text), name);
    }

    public static Read FromCsv(TextReader reader, string name)
    {
        var records = Csv.Read(reader).ToList();
        if (records.Count == 0) throw new UsageException($"{name} is empty: expected a header line ({string.Join(",", Columns)})");
        var header = records[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var unknown = header.Where(h => h.Length > 0 && !Columns.Contains(h)).ToList();
        if (unknown.Count > 0) throw new UsageException($"{name}: unknown column(s) {string.Join(", ", unknown)} (columns: {string.Join(",", Columns)})");
        if (!header.Any(h => h is "sha256" or "sha1" or "md5")) throw new UsageException($"{name}: the header has no hash column (sha256, sha1 or md5)");
        var rows = records.Skip(1).Select(r =>
        {
            var values = new Dictionary<string, string>();
            for (var i = 0; i < header.Length && i < r.Fields.Count; i++) values[header[i]] = r.Fields[i];
            return new ImportRow(r.Line, r.Fields, values);
        }).ToList();
        return new Read(records[0].Fields, rows, "CSV");
    }

    public static Read FromVics(string json, string name)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new UsageException($"{name}: not valid JSON ({e.Message})"); }
        using (document)
        {
            var rows = new List<ImportRow>();
            foreach (var media in MediaOf(document.RootElement, name))
            {
                var number = rows.Count + 1;
                if (media.ValueKind != JsonValueKind.Object)
                {
                    rows.Add(new ImportRow(number, [], new Dictionary<string, string> { ["error"] = "a media record is a JSON object" }));
                    continue;
                }
                var values = new Dictionary<string, string>();
                foreach (var property in media.EnumerateObject())
                {
                    var field = VicsFields.FirstOrDefault(f => string.Equals(f.Vics, property.Name, StringComparison.OrdinalIgnoreCase));
                    if (field.Column is null) continue;
                    values[field.Column] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString()!,
                        JsonValueKind.Null or JsonValueKind.Undefined => "",
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => property.Value.GetRawText(),
                    };
                }
                rows.Add(new ImportRow(number, Columns.Select(c => values.GetValueOrDefault(c, "")).ToArray(), values));
            }
            return new Read(Columns, rows, "VICS JSON");
        }
    }

    /// The media records of a VICS document: {"value": [case, …]} with each case's "Media", a single case object
    /// with "Media", or a bare array of cases or of media records.
    private static IEnumerable<JsonElement> MediaOf(JsonElement root, string name)
    {
        IEnumerable<JsonElement> cases = root.ValueKind switch
        {
            JsonValueKind.Object when Property(root, "value") is { ValueKind: JsonValueKind.Array } value => value.EnumerateArray(),
            JsonValueKind.Object => [root],
            JsonValueKind.Array => root.EnumerateArray(),
            _ => throw new UsageException($"{name}: expected a VICS document (an object with \"value\" or \"Media\")"),
        };
        var any = false;
        foreach (var item in cases)
        {
            if (item.ValueKind == JsonValueKind.Object && Property(item, "Media") is { } media)
            {
                if (media.ValueKind != JsonValueKind.Array) throw new UsageException($"{name}: \"Media\" is not an array");
                any = true;
                foreach (var record in media.EnumerateArray()) yield return record;
            }
            else if (item.ValueKind == JsonValueKind.Object && VicsFields.Any(f => Property(item, f.Vics) is not null))
            {
                any = true;
                yield return item;
            }
        }
        if (!any) throw new UsageException($"{name}: no \"Media\" array found (a VICS document lists media records under value[].Media)");
    }

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) return property.Value;
        return null;
    }

    /// A row's flag: true/false, 1/0, yes/no (any case), empty for false.
    public static bool Flag(ImportRow row, string column) => row.Get(column).ToLowerInvariant() switch
    {
        "" or "false" or "0" or "no" or "n" => false,
        "true" or "1" or "yes" or "y" => true,
        var other => throw new UsageException($"{column}: '{other}' is not true or false"),
    };

    /// A row's whole number in a range, or the default when empty.
    public static int Number(ImportRow row, string column, int min, int max, int empty = 0)
    {
        var text = row.Get(column);
        if (text.Length == 0) return empty;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"{column}: '{text}' is not a whole number from {min} to {max}");
        return value;
    }
}
