using EvidenceHub.Cli.Hub;
using Grpc.Core;

namespace EvidenceHub.Cli.Import;

/// What an import did, row by row: applied now, already applied by an earlier run (replayed), or rejected and why.
public sealed class ImportReport
{
    public int Rows { get; private set; }
    public int Applied { get; private set; }
    public int Replayed { get; private set; }
    public int CasesOpened { get; private set; }
    public int CasesKept { get; private set; }
    public int Correlations { get; private set; }
    public int Commands { get; private set; }
    public List<(ImportRow Row, string Reason)> Rejected { get; } = [];

    public static ImportReport Of(ImportPlan plan, SyncRunner.Outcome[] outcomes)
    {
        var report = new ImportReport { Rows = plan.Rows.Count, Commands = plan.Commands.Count };
        // Why each case could not be opened, so that its rows say so instead of "no case".
        var caseProblems = new Dictionary<string, string>();
        var rowOutcomes = new Dictionary<ImportRow, List<SyncRunner.Outcome>>();
        // The case each row was sent to (a hash list names its case once, not per row).
        var rowCases = new Dictionary<ImportRow, string>();
        for (var i = 0; i < plan.Commands.Count; i++)
        {
            var (planned, outcome) = (plan.Commands[i], outcomes[i]);
            if (planned.Row is null)
            {
                if (outcome.Error is null) { if (outcome.Result!.Replayed) report.CasesKept++; else report.CasesOpened++; }
                // The unit has a case with this reference already (opened by another run or by `cases open`): its
                // rows go on, addressed by the reference.
                else if (outcome.Error.Code == (int)StatusCode.AlreadyExists && HubErrors.Field(outcome.Error) is "reference" or "case_id") report.CasesKept++;
                else caseProblems[planned.CaseKey] = HubErrors.Describe(outcome.Error);
                continue;
            }
            if (!rowOutcomes.TryGetValue(planned.Row, out var list)) rowOutcomes[planned.Row] = list = [];
            rowCases[planned.Row] = planned.CaseKey;
            list.Add(outcome);
            if (outcome.Result is { Replayed: false } result) report.Correlations += result.Correlations;
        }

        foreach (var row in plan.Rows)
        {
            if (plan.Refused.TryGetValue(row, out var reason)) { report.Rejected.Add((row, reason)); continue; }
            var results = rowOutcomes[row];
            var error = results.Select(o => o.Error).FirstOrDefault(e => e is not null);
            if (error is not null)
            {
                var caseKey = rowCases[row];
                report.Rejected.Add((row, caseProblems.TryGetValue(caseKey, out var problem)
                    ? $"case '{caseKey}' could not be opened: {problem}"
                    : HubErrors.Describe(error)));
            }
            else if (results.All(o => o.Result!.Replayed)) report.Replayed++;
            else report.Applied++;
        }
        return report;
    }

    /// The rejected rows as CSV: line and reason first, then the row as it was, so it can be fixed and imported again.
    public void WriteRejected(string path, IReadOnlyList<string> header)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(Csv.Line(["line", "reason", .. header]));
        foreach (var (row, reason) in Rejected)
            writer.WriteLine(Csv.Line([row.Line.ToString(), reason, .. row.Raw]));
    }
}
