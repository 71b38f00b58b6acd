using System.CommandLine;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Cli.Import;
using EvidenceHub.Cli.Rendering;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub import FILE.csv`: identifiers and victim links in bulk, through one Sync stream.
public static class ImportCommand
{
    public static Command Build(CliApp app)
    {
        var file = new Argument<string>("file") { Description = "CSV with a header: case, kind, value, platform, observed_at, victim, age_band, country, first_contact, contacted_by ('-' reads stdin)" };
        var offence = new Option<string>("--offence") { Description = "Offence type of cases the import opens", DefaultValueFactory = _ => "sextortion" };
        var tlp = new Option<string>("--tlp") { Description = "TLP of cases the import opens", DefaultValueFactory = _ => "amber" };
        var handling = new Option<string>("--handling") { Description = "Handling code of cases the import opens", DefaultValueFactory = _ => "h2" };
        var restrictions = new Option<string?>("--restrictions") { Description = "H3 restrictions of cases the import opens" };
        var partners = new Option<string[]>("--partner") { Description = "Partner units of cases the import opens (repeat for more)" };
        var rejected = new Option<string?>("--rejected") { Description = "Where to write the rejected rows with their reasons (default: FILE.rejected.csv)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the file and show what would be sent; send nothing" };
        var command = new Command("import", """
            Import identifiers and victim links from a CSV file through Sync, with a progress bar and a summary.
            A row names its case by your reference (the case is opened if new) or by case id, and carries an identifier
            (kind, value, platform; observed_at for IP addresses), a victim (victim, age_band, country, first_contact,
            contacted_by: the canonical key of one of the case's identifiers), or both.
            Safe to re-run after an interruption: command ids come from the rows' content, so rows already applied are
            answered as replays and nothing is added twice. Rejected rows go to a CSV file with the reason for each.
            """) { file, offence, tlp, handling, restrictions, partners, rejected, dryRun };
        command.Add(Media(app, offence, tlp, handling, restrictions, partners, rejected, dryRun));

        app.Handle(command, async (run, cancellation) =>
        {
            var path = run.Get(file);
            var (header, rows) = Read(path);
            var spec = new CaseSpec(
                Vocabulary.Required(Vocabulary.ParseOffence(run.Get(offence)), "--offence", run.Get(offence)!, Vocabulary.OffenceWords),
                CaseCommands.Policy(run.Get(tlp)!, run.Get(handling)!, run.Get(restrictions), run.Get(partners) ?? []));

            var hub = run.Connect();
            var plan = ImportPlan.Build(rows, hub.Unit, _ => spec);
            if (run.Get(dryRun))
            {
                Summarise(run, plan, null, null, dryRun: true);
                return plan.Refused.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
            }

            run.ResumeHint = $"run the same import again: rows already applied are answered as replays, nothing is added twice";
            var outcomes = await Send(run, hub, plan, cancellation);
            var report = ImportReport.Of(plan, outcomes);
            string? rejectedPath = null;
            if (report.Rejected.Count > 0)
            {
                rejectedPath = run.Get(rejected) ?? (path == "-" ? "import.rejected.csv" : Path.ChangeExtension(path, null) + ".rejected.csv");
                report.WriteRejected(rejectedPath, header);
            }
            Summarise(run, plan, report, rejectedPath, dryRun: false);
            return report.Rejected.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        });
        return command;
    }

    /// `evidencehub import media FILE --case REF`: a hash list (VICS 2.0 JSON or ICSE-style CSV) into one case.
    private static Command Media(CliApp app, Option<string> offence, Option<string> tlp, Option<string> handling, Option<string?> restrictions,
        Option<string[]> partners, Option<string?> rejected, Option<bool> dryRun)
    {
        var file = new Argument<string>("file") { Description = $"VICS 2.0 JSON, or CSV with a header of {string.Join(",", MediaList.Columns)} ('-' reads stdin)" };
        var caseOption = new Option<string>("--case") { Description = "The case: your reference (opened if new) or a case id", Required = true };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Records per ImportMedia batch (the hub's MediaImport:MaxRowsPerBatch caps it)", DefaultValueFactory = _ => MediaBatchRunner.DefaultBatchSize,
        };
        var providerFilter = new Option<bool>("--provider-filter") { Description = "The hashes may be given to hosting parties to filter this material (they learn only: known, and the category)" };
        var command = new Command("media", """
            Import a hash list into one of your cases through the hub's bulk path (ImportMedia, in batches of
            --batch-size records, each one event on the case): each record becomes a media record (its file hashes,
            PDQ with its quality, category and the VICS flags), correlated and looked up like one added by `media add`.
            VICS 2.0 JSON (value[].Media[] with MD5, SHA1, SHA256, Category, VictimIdentified, OffenderIdentified,
            IsDistributed; PDQ and PDQQuality where given) or ICSE-style CSV. Safe to re-run after an interruption:
            batches already imported are answered as replays. Rejected records go to a CSV file with the reason for each
            (named by their line, or for VICS by their position in the file from 1).
            """) { file, caseOption, offence, tlp, handling, restrictions, partners, providerFilter, batchSize, rejected, dryRun };
        app.Handle(command, async (run, cancellation) =>
        {
            var path = run.Get(file)!;
            if (path != "-" && !File.Exists(path)) throw new UsageException($"no file {path}");
            MediaList.Read list;
            using (var reader = path == "-" ? Console.In : new StreamReader(path)) list = MediaList.From(reader, path);
            var spec = new CaseSpec(
                Vocabulary.Required(Vocabulary.ParseOffence(run.Get(offence)), "--offence", run.Get(offence)!, Vocabulary.OffenceWords),
                CaseCommands.Policy(run.Get(tlp)!, run.Get(handling)!, run.Get(restrictions), run.Get(partners) ?? []));
            var hub = run.Connect();
            var plan = MediaImportPlan.Build(list.Rows, hub.Unit, run.Get(caseOption)!.Trim(), spec, run.Get(providerFilter));
            if (run.Get(dryRun))
            {
                Summarise(run, plan, null, null, dryRun: true);
                return plan.Refused.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
            }
            run.ResumeHint = "run the same import again: batches already imported are answered as replays, nothing is added twice";
            var outcomes = await Send(run, hub, plan, cancellation,
                (commands, progress) => MediaBatchRunner.Run(hub, commands, run.Get(batchSize), progress, cancellation));
            var report = ImportReport.Of(plan, outcomes);
            string? rejectedPath = null;
            if (report.Rejected.Count > 0)
            {
                rejectedPath = run.Get(rejected) ?? (path == "-" ? "import.rejected.csv" : Path.ChangeExtension(path, null) + ".rejected.csv");
                report.WriteRejected(rejectedPath, list.Header);
            }
            Summarise(run, plan, report, rejectedPath, dryRun: false);
            return report.Rejected.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        });
        return command;
    }

    public static (IReadOnlyList<string> Header, List<ImportRow> Rows) Read(string path)
    {
        if (path != "-" && !File.Exists(path)) throw new UsageException($"no file {path}");
        using var reader = path == "-" ? Console.In : new StreamReader(path);
        var records = Csv.Read(reader).ToList();
        if (records.Count == 0) throw new UsageException($"{path} is empty: expected a header line ({string.Join(",", ImportPlan.Columns)})");
        var header = records[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        if (!header.Contains("case")) throw new UsageException($"{path}: the header has no 'case' column (columns: {string.Join(",", ImportPlan.Columns)})");
        var unknown = header.Where(h => h.Length > 0 && !ImportPlan.Columns.Contains(h)).ToList();
        if (unknown.Count > 0) throw new UsageException($"{path}: unknown column(s) {string.Join(", ", unknown)} (columns: {string.Join(",", ImportPlan.Columns)})");
        var rows = records.Skip(1).Select(r =>
        {
            var values = new Dictionary<string, string>();
            for (var i = 0; i < header.Length && i < r.Fields.Count; i++) values[header[i]] = r.Fields[i];
            return new ImportRow(r.Line, r.Fields, values);
        }).ToList();
        return (records[0].Fields, rows);
    }

    private static async Task<SyncRunner.Outcome[]> Send(Invocation run, HubConnection hub, ImportPlan plan, CancellationToken cancellation,
        Func<IReadOnlyList<PlannedCommand>, Action<int>?, Task<SyncRunner.Outcome[]>>? sender = null)
    {
        sender ??= (commands, progress) => SyncRunner.Run(hub, commands, progress, cancellation);
        if (!run.Terminal.Interactive || run.Output.Json || plan.Commands.Count == 0)
            return await sender(plan.Commands, null);
        SyncRunner.Outcome[] outcomes = [];
        await run.Terminal.ProgressScreen().Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"import to {hub.Unit}", maxValue: plan.Commands.Count);
                outcomes = await sender(plan.Commands, done => task.Value = done);
            });
        return outcomes;
    }

    private static void Summarise(Invocation run, ImportPlan plan, ImportReport? report, string? rejectedPath, bool dryRun)
    {
        var rejected = report?.Rejected ?? plan.Refused.Select(r => (Row: r.Key, Reason: r.Value)).ToList();
        if (run.Output.Json)
        {
            run.Output.Object(new
            {
                rows = plan.Rows.Count,
                commands = plan.Commands.Count,
                dryRun,
                applied = report?.Applied,
                replayed = report?.Replayed,
                rejected = rejected.Count,
                casesOpened = report?.CasesOpened,
                casesAlreadyOpen = report?.CasesKept,
                correlations = report?.Correlations,
                rejectedFile = rejectedPath,
                rejections = rejected.Select(r => new { line = r.Row.Line, reason = r.Reason }),
            });
            return;
        }
        if (dryRun)
        {
            run.Output.Line($"{plan.Rows.Count} rows would send {plan.Commands.Count} commands ({plan.Opened.Count} cases opened if new); {rejected.Count} rows refused.");
        }
        else
        {
            var table = Output.Table("", "rows");
            table.AddRow("applied now", report!.Applied.ToString());
            table.AddRow("already imported (replayed)", report.Replayed.ToString());
            table.AddRow("rejected", report.Rejected.Count.ToString());
            table.AddRow("total", report.Rows.ToString());
            run.Output.Render(table.Title("import summary"));
            run.Output.Line($"Cases: {report.CasesOpened} opened, {report.CasesKept} already open. New correlations: {report.Correlations}.");
        }
        foreach (var (row, reason) in rejected.Take(10)) run.Output.Line($"  line {row.Line}: {reason}");
        if (rejected.Count > 10) run.Output.Line($"  … and {rejected.Count - 10} more");
        if (rejectedPath is not null) run.Output.Line($"Rejected rows, with the reason for each: {rejectedPath}");
    }
}
