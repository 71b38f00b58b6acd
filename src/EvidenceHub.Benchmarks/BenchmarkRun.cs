using System.Diagnostics;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Benchmarks.Scenarios;
using EvidenceHub.Testing;

namespace EvidenceHub.Benchmarks;

/// Runs the scenarios against one hub and one fresh database, prints the table on stdout and writes it as JSON.
///   --quick             small sizes, for CI (no timing assertions anywhere)
///   --scale N           the full sizes divided by N (--quick is --scale 100)
///   --only a,b          only these scenarios: ingest, lookup, replay, correlation, verify, nearmatch, mediaingest, hashlist
///   --json PATH         where the JSON goes (default .data/bench/results.json)
///   --markdown PATH     where a copy of the table goes (default: beside the JSON, results.md)
///   --keep-database     keep the run's database for a look afterwards
/// Not top-level statements: the hub's own Program is the one WebApplicationFactory starts.
public static class BenchmarkRun
{
    private static readonly string[] ScenarioNames = ["ingest", "lookup", "replay", "correlation", "verify", "nearmatch", "mediaingest", "hashlist"];

    public static async Task<int> Main(string[] args)
    {
        var quick = args.Contains("--quick");
        var keep = args.Contains("--keep-database");
        var json = Path.GetFullPath(Option(args, "--json") ?? Path.Combine(".data", "bench", "results.json"));
        var markdown = Path.GetFullPath(Option(args, "--markdown") ?? Path.Combine(Path.GetDirectoryName(json)!, "results.md"));
        // WebApplicationFactory finds the hub's content root through MvcTestingAppManifest.json in the working directory.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? ScenarioNames;
        if (only.Except(ScenarioNames).ToArray() is { Length: > 0 } unknown)
        {
            Console.Error.WriteLine($"unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(", ", ScenarioNames)}");
            return 2;
        }
        var sizes = quick ? Sizes.Quick : int.TryParse(Option(args, "--scale"), out var divisor) ? Sizes.Scaled(divisor) : Sizes.Full;
        var started = Stopwatch.GetTimestamp();

        await using var database = await ThrowawayDatabase.Create("EVIDENCEHUB_BENCH_DB",
            $"evidencehub_bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid().ToString("N")[..6]}",
            "Run the benchmarks with ops/bench.sh, which starts a private PostgreSQL and sets it.", keep);
        var report = new Report(sizes.Mode, Machine.Describe(await database.ServerVersion()));
        Progress.Say($"{sizes.Mode} run on database {database.Name}");
        HubSignals.Listen();
        using var pki = new ThrowawayPki("EvidenceHub benchmark");
        await using var rawSql = database.OpenDataSource();
        var failures = 0;
        await using (var hub = RunningHub.Start(database.ConnectionString, pki))
        {
            Progress.Say($"hub listening on {hub.Address}");
            var bench = new BenchContext(hub, database, rawSql, sizes, report);
            var scenarios = new (string Name, Func<Task> Run)[]
            {
                ("ingest", () => new IngestScenario(bench).Run()),
                ("lookup", () => new LookupScenario(bench).Run()),
                ("replay", () => new ReplayScenario(bench).Run()),
                ("correlation", () => new CorrelationScenario(bench).Run()),
                ("verify", () => new VerifyLogScenario(bench).Run()),
                ("nearmatch", () => new NearMatchScenario(bench).Run()),
                ("mediaingest", () => new MediaIngestScenario(bench).Run()),
                ("hashlist", () => new MediaIngestScenario(bench).HashListAtScale()),
            };
            foreach (var (name, run) in scenarios.Where(s => only.Contains(s.Name)))
            {
                try
                {
                    await run();
                }
                catch (Exception exception)
                {
                    // One broken scenario must not hide the others' figures; the exit code still tells.
                    failures++;
                    Progress.Say($"{name} failed: {exception}");
                    report.Add(new ResultRow(name) { Note = $"failed: {exception.GetType().Name}: {exception.Message}" });
                }
            }
        }
        report.Duration = Stopwatch.GetElapsedTime(started);
        report.Note($"load average at the end: {Machine.LoadAverage()}");
        if (keep) report.Note($"database kept: {database.Name}");

        var table = report.Markdown();
        Console.Write(table);
        await report.WriteJson(json);
        await File.WriteAllTextAsync(markdown, table);
        Progress.Say($"wrote {json} and {markdown}");
        return failures == 0 ? 0 : 1;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
