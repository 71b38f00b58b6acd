using System.Text;

namespace EvidenceHub.Cli.Import;

/// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Each record keeps the line it starts on,
/// so that rejected rows can be named by line.
public static class Csv
{
    public sealed record Record(int Line, IReadOnlyList<string> Fields);

    public static IEnumerable<Record> Read(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var (line, recordLine) = (1, 1);
        var (quoted, afterQuote, any) = (false, false, false);
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else { quoted = false; afterQuote = true; }
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0 && !afterQuote:
                    quoted = true; any = true;
                    break;
                case ',':
                    fields.Add(field.ToString()); field.Clear(); afterQuote = false; any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || field.Length > 0) { fields.Add(field.ToString()); yield return new Record(recordLine, fields.ToArray()); }
                    fields.Clear(); field.Clear(); afterQuote = false; any = false;
                    line++; recordLine = line;
                    break;
                default:
                    field.Append(ch); any = true;
                    break;
            }
        }
        if (any || field.Length > 0) { fields.Add(field.ToString()); yield return new Record(recordLine, fields.ToArray()); }
    }

    public static string Line(IEnumerable<string> fields) => string.Join(',', fields.Select(Quote));

    public static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 || field.StartsWith(' ') || field.EndsWith(' ')
            ? "\"" + field.Replace("\"", "\"\"") + "\""
            : field;
}
