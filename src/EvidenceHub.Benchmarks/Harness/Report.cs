using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvidenceHub.Benchmarks.Harness;

/// A measured rate or duration, e.g. 3,120 commands/s.
public sealed record Figure(double Value, string Unit)
{
    public override string ToString() => $"{Report.Number(Value)} {Unit}";
}

/// One row of the table: the hub's figure beside its baseline's, measured in the same run on the same data.
public sealed record ResultRow(string Scenario)
{
    public Figure? Hub { get; init; }
    public Figure? Baseline { get; init; }
    /// What the baseline is, e.g. "raw Marten, 100 events per SaveChanges".
    public string? BaselineName { get; init; }
    /// Hub ÷ baseline, both rates: 0.5 means the hub does half the baseline's work per second.
    public double? Ratio => Hub is not null && Baseline is { Value: > 0 } && Hub.Unit == Baseline.Unit ? Hub.Value / Baseline.Value : null;
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public double? BaselineP50Ms { get; init; }
    public double? BaselineP99Ms { get; init; }
    public MemoryFigures? Memory { get; init; }
    public string? Note { get; init; }
}

/// A goal of the issue, the figure it is judged on, and whether this run met it (null: not measured).
public sealed record GoalCheck(string Goal, string Measured, bool? Met);

public sealed record MachineInfo(
    int Cores, string Cpu, double MemoryGb, string Os,
    [property: JsonPropertyName("dotnet")] string DotNet, string Gc,
    [property: JsonPropertyName("postgresql")] string PostgreSql, string Notes);

/// The run's results: a Markdown table on stdout and the same as JSON.
public sealed class Report(string mode, MachineInfo machine)
{
    private readonly List<ResultRow> rows = [];
    private readonly List<GoalCheck> goals = [];
    private readonly List<string> notes = [];

    public string Mode { get; } = mode;
    public MachineInfo Machine { get; } = machine;
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan? Duration { get; set; }
    public IReadOnlyList<ResultRow> Rows => rows;
    public IReadOnlyList<GoalCheck> Goals => goals;
    public IReadOnlyList<string> Notes => notes;

    public void Add(ResultRow row)
    {
        lock (rows) rows.Add(row);
        Progress.Say($"{row.Scenario}: hub {row.Hub?.ToString() ?? "-"}, baseline {row.Baseline?.ToString() ?? "-"}" +
                     (row.Ratio is { } r ? $", ratio {r:F2}" : "") + (string.IsNullOrEmpty(row.Note) ? "" : $" ({row.Note})"));
    }

    public void Goal(string goal, string measured, bool? met)
    {
        lock (goals) goals.Add(new GoalCheck(goal, measured, met));
    }

    public void Note(string note)
    {
        lock (notes) notes.Add(note);
        Progress.Say("note: " + note);
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"EvidenceHub benchmarks ({Mode} run, {StartedAt:yyyy-MM-dd HH:mm} UTC" +
                      (Duration is { } d ? $", {d.TotalMinutes:F1} min" : "") + ")");
        md.AppendLine();
        md.AppendLine("| scenario | hub | baseline | ratio | p50 | p99 | peak memory |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|");
        // Details go to numbered notes under the table, so that the table itself stays readable.
        var footnotes = new List<string>();
        foreach (var row in rows)
        {
            var details = string.Join("; ", new[]
            {
                row.Note,
                row.BaselineP50Ms is null ? null : $"baseline p50 {Ms(row.BaselineP50Ms)}, p99 {Ms(row.BaselineP99Ms)}",
            }.Where(d => !string.IsNullOrEmpty(d)));
            if (details.Length > 0) footnotes.Add(details);
            var scenario = details.Length > 0 ? $"{row.Scenario} [{footnotes.Count}]" : row.Scenario;
            var baseline = row.Baseline is null ? (row.BaselineName ?? "—") : $"{row.Baseline} ({row.BaselineName})";
            md.AppendLine($"| {scenario} | {row.Hub?.ToString() ?? "—"} | {baseline} | {Ratio(row.Ratio)} | {Ms(row.P50Ms)} | {Ms(row.P99Ms)} | {Memory(row.Memory)} |");
        }
        md.AppendLine();
        for (var i = 0; i < footnotes.Count; i++) md.AppendLine($"{i + 1}. {footnotes[i]}");
        if (footnotes.Count > 0) md.AppendLine();
        md.AppendLine("| goal | measured | met |");
        md.AppendLine("|---|---|---|");
        foreach (var goal in goals)
            md.AppendLine($"| {goal.Goal} | {goal.Measured} | {goal.Met switch { true => "yes", false => "**no**", null => "not measured" }} |");
        md.AppendLine();
        md.AppendLine($"Machine: {Machine.Cores} cores ({Machine.Cpu}), {Machine.MemoryGb:F0} GB memory, {Machine.Os}, {Machine.DotNet} ({Machine.Gc}), " +
                      $"PostgreSQL {Machine.PostgreSql}. {Machine.Notes}");
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in notes) md.AppendLine($"- {note}");
        }
        return md.ToString();
    }

    public async Task WriteJson(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, JsonOptions);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // A file for people and tools, not a web page: no escaping of '+', '→' and the like.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// Three significant figures at most, with thousands separators: noise makes more digits meaningless.
    public static string Number(double value)
    {
        if (value == 0) return "0";
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(2 - magnitude, 0, 3);
        var rounded = magnitude >= 3 ? Math.Round(value / Math.Pow(10, magnitude - 2)) * Math.Pow(10, magnitude - 2) : value;
        return rounded.ToString("N" + decimals, CultureInfo.InvariantCulture);
    }

    private static string Ratio(double? ratio) => ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "—";

    private static string Ms(double? ms) => ms is { } v ? Number(v) + " ms" : "—";

    private static string Memory(MemoryFigures? memory) =>
        memory is null ? "—" : $"{Number(memory.PeakMb)} MB (+{Number(memory.GrowthMb)})";
}

/// Progress lines on stderr, so that stdout carries only the table.
public static class Progress
{
    private static readonly DateTime Started = DateTime.UtcNow;

    public static void Say(string message) =>
        Console.Error.WriteLine($"[{(DateTime.UtcNow - Started).TotalSeconds,7:F1}s] {message}");
}
