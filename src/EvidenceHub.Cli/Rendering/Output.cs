using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EvidenceHub.Cli.Rendering;

/// Tables for people, JSON for scripts. In --json mode every result is one JSON object on one line (JSON Lines), so a
/// stream (feed, replay, access log) and a single answer are read the same way; messages for people go to stderr.
public sealed class Output(Terminal terminal, bool json)
{
    private static readonly JsonFormatter Protobuf = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly JsonSerializerOptions Plain = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private IAnsiConsole? screen;

    public bool Json { get; } = json;
    public Terminal Terminal { get; } = terminal;
    public IAnsiConsole Screen => screen ??= Terminal.Screen();

    public void Message(IMessage message) => Terminal.Out.WriteLine(Protobuf.Format(message));

    public void Object(object value) => Terminal.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Plain));

    public void Line(string text = "") => Terminal.Out.WriteLine(text);

    /// A note for the person (progress, hints): stderr, so that stdout stays the result.
    public void Note(string text) => Terminal.Error.WriteLine(text);

    public void Render(IRenderable renderable) => Screen.Write(renderable);

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns) table.AddColumn(new TableColumn(column));
        return table;
    }

    /// Key/value pairs as a two-column grid.
    public void Fields(IEnumerable<(string Name, string? Value)> fields)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (name, value) in fields)
            if (!string.IsNullOrEmpty(value)) grid.AddRow(new Text(name), new Text(value));
        Screen.Write(grid);
    }

    public static Text Cell(string? text) => new(text ?? "");

    public static string Time(Timestamp? timestamp) =>
        timestamp is null || (timestamp.Seconds == 0 && timestamp.Nanos == 0) ? "" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'");

    public static string Date(Google.Type.Date? date) => date is null || date.Year == 0 ? "" : $"{date.Year:D4}-{date.Month:D2}-{date.Day:D2}";

    public static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
