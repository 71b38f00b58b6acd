using System.CommandLine;
using EvidenceHub.Cli.Demo;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Cli.Import;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub demo ...`: loads the synthetic ring of DemoScenario into a hub, acting as each unit in turn with its
/// certificate from --certs; or writes the scenario as CSV files for `evidencehub import`.
public static class DemoCommand
{
    private sealed record UnitLoad(string Unit, string Status, int Cases, int Rows, int Applied, int Replayed, int Rejected, int Correlations);

    public static Command Build(CliApp app)
    {
        var demo = new Command("demo", "A synthetic sextortion ring across eight units, for trying the hub (no real people)");
        var seed = new Option<int>("--seed") { Description = "Another seed gives another (equally synthetic) ring", DefaultValueFactory = _ => 2024 };
        var load = new Command("load", """
            Load the demo scenario: 8 units open their cases through Sync (identifiers and 120 victims in 6 countries),
            BE-FCCU hands its case to NL-TBKK, and the partner US-HSI-C3 looks identifiers up. Needs --certs with ca.crt
            and each unit's certificate; units without one are skipped and named. Safe to run again: nothing is duplicated.
            """) { seed };
        app.Handle(load, (run, cancellation) => Load(run, run.Get(seed), cancellation));
        var directory = new Argument<string>("directory") { Description = "Where to write <unit>.csv" };
        var csv = new Command("csv", "Write the scenario's rows as one CSV per unit, in the format `evidencehub import` reads") { directory, seed };
        app.Handle(csv, (run, _) =>
        {
            var scenario = DemoScenario.Generate(run.Get(seed));
            var path = run.Get(directory);
            Directory.CreateDirectory(path);
            foreach (var (unit, rows) in scenario.Rows)
                File.WriteAllLines(Path.Combine(path, unit + ".csv"), [Csv.Line(ImportPlan.Columns), .. rows.Select(r => Csv.Line(r.Raw))]);
            run.Output.Line($"Wrote {scenario.Rows.Count} files ({scenario.Rows.Values.Sum(r => r.Count)} rows) to {path}; " +
                            "import one with `evidencehub --unit <unit> import <file> --tlp green`.");
            return Task.FromResult(ExitCodes.Ok);
        });
        demo.Add(load);
        demo.Add(csv);
        return demo;
    }

    private static async Task<int> Load(Invocation run, int seed, CancellationToken cancellation)
    {
        var settings = run.Settings;
        if (settings.CertificatesDirectory is null)
            throw new UsageException("demo load acts as each unit in turn: give --certs with ca.crt and <unit>.crt/.key (e.g. --certs .data/certs, or EVIDENCEHUB_CERTS)");
        var scenario = DemoScenario.Generate(seed);
        run.ResumeHint = "run `evidencehub demo load` again: what was loaded is answered as replays, nothing is added twice";
        var loads = new List<UnitLoad>();
        var connected = new Dictionary<string, HubConnection>();

        foreach (var unit in DemoScenario.ReportingUnits)
        {
            var rows = scenario.Rows[unit.Id];
            var cases = scenario.Cases.Count(c => c.Unit == unit.Id);
            if (!File.Exists(Path.Combine(settings.CertificatesDirectory, unit.Id + ".crt")))
            {
                loads.Add(new UnitLoad(unit.Id, $"skipped: no certificate {unit.Id}.crt", cases, rows.Count, 0, 0, 0, 0));
                continue;
            }
            var hub = run.Connect(settings.AsUnit(unit.Id) with { User = settings.User ?? "demo" });
            if (!run.Output.Json) run.Output.Note($"{unit.Id}: sending {rows.Count} rows of {cases} cases…");
            try
            {
                var plan = ImportPlan.Build(rows, hub.Unit, reference => scenario.CaseOf(reference).Spec);
                var report = ImportReport.Of(plan, await SyncRunner.Run(hub, plan.Commands, null, cancellation));
                foreach (var (row, reason) in report.Rejected) run.Output.Note($"{unit.Id}: row {row.Line} rejected: {reason}");
                loads.Add(new UnitLoad(unit.Id, "loaded", cases, rows.Count, report.Applied, report.Replayed, report.Rejected.Count, report.Correlations));
                connected[unit.Id] = hub;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                loads.Add(new UnitLoad(unit.Id, "skipped: the hub does not accept this unit (add it to the hub's Units)", cases, rows.Count, 0, 0, 0, 0));
            }
        }

        var handoff = await Handoff(scenario, connected, cancellation);
        var erasure = await Erasure(run, settings, scenario, connected, cancellation);
        var lookups = await PartnerLookups(run, settings, scenario, cancellation);

        var ringVictims = scenario.Cases.Where(c => c.Ring).Sum(c => c.Victims);
        if (run.Output.Json)
        {
            run.Output.Object(new
            {
                seed, units = loads, handoff, erasure,
                lookups = lookups.Select(l => new { l.Question, l.Expected, l.Answer }),
                ring = new { cases = scenario.Cases.Count(c => c.Ring), accounts = scenario.RingAccounts, victims = ringVictims },
                backgroundCases = scenario.Cases.Count(c => !c.Ring),
            });
        }
        else
        {
            var table = Output.Table("unit", "status", "cases", "rows", "applied", "replayed", "rejected", "correlations");
            foreach (var l in loads)
                table.AddRow(l.Unit, l.Status, l.Cases.ToString(), l.Rows.ToString(), l.Applied.ToString(), l.Replayed.ToString(), l.Rejected.ToString(), l.Correlations.ToString());
            run.Output.Render(table.Title($"demo scenario (seed {seed}): a ring of {scenario.RingAccounts} accounts, 3 phones, 3 IBANs, 2 wallets; " +
                                          $"{ringVictims} victims in 6 countries; {scenario.Cases.Count(c => !c.Ring)} background cases"));
            run.Output.Line("Handoff: " + handoff);
            run.Output.Line("Erasure: " + erasure);
            if (lookups.Count > 0)
            {
                var answers = Output.Table("partner US-HSI-C3 asks about", "expected", "answer");
                foreach (var l in lookups) answers.AddRow(Output.Cell(l.Question), Output.Cell(l.Expected), Output.Cell(l.Answer));
                run.Output.Render(answers);
            }
            run.Output.Line($"Next: evidencehub --unit NL-TBKK network --case {scenario.Cases[0].Reference} --why \"ring analysis\" --format tree");
        }
        var complete = loads.All(l => l.Status == "loaded" && l.Rejected == 0);
        return complete ? ExitCodes.Ok : ExitCodes.Partial;
    }

    /// BE-FCCU asks the lead country to take its case over, and NL-TBKK accepts. Ids derived, so a re-run replays both.
    private static async Task<string> Handoff(DemoScenario scenario, Dictionary<string, HubConnection> connected, CancellationToken cancellation)
    {
        var (from, reference, target, reason) = scenario.Handoff;
        if (!connected.TryGetValue(from, out var requester) || !connected.TryGetValue(target, out var lead))
            return $"not made ({from} and {target} must both be loaded)";
        // The requester names its case by its reference; the target learns the case id from the request.
        var requested = await requester.Cases.RequestHandoffAsync(new RequestHandoffRequest
        {
            CommandId = Ids.CommandId("demo-handoff", from, "reference/" + reference, target), CaseReference = reference, TargetUnit = target, Reason = reason,
        }, cancellationToken: cancellation);
        await lead.Cases.AcceptHandoffAsync(new AcceptHandoffRequest
        {
            CommandId = Ids.CommandId("demo-accept", target, requested.CaseId, requested.HandoffId), CaseId = requested.CaseId, HandoffId = requested.HandoffId,
        }, cancellationToken: cancellation);
        return $"{from} handed case {reference} to {target} (handoff {requested.HandoffId}, accepted); {target} now leads it";
    }

    /// NL-TBKK erases one victim link of its first ring case (linked by mistake), then the auditor checks the whole
    /// log: still intact, since the erasure destroyed a key and changed no stored byte. Ids derived: a re-run replays.
    private static async Task<string> Erasure(Invocation run, HubSettings settings, DemoScenario scenario, Dictionary<string, HubConnection> connected,
        CancellationToken cancellation)
    {
        var (unit, reference, victim) = scenario.Erased;
        if (!connected.TryGetValue(unit, out var owner)) return $"not made ({unit} must be loaded)";
        var file = await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "demo: erasure request DPO-2024-17" } },
            cancellationToken: cancellation);
        // On a re-run the link already reads [erased]: it is the last one linked.
        var link = file.VictimLinks.FirstOrDefault(v => v.VictimReference == victim) ?? file.VictimLinks.Last();
        await owner.Cases.EraseVictimLinkAsync(new EraseVictimLinkRequest
        {
            CommandId = Ids.CommandId("demo-erase", unit, "reference/" + reference, victim), CaseId = file.CaseId, VictimLinkId = link.VictimLinkId,
            LegalBasis = ErasureBasis.UnlawfulProcessing, Reason = "linked to this case by mistake (DPO-2024-17)",
        }, cancellationToken: cancellation);
        var verdict = "the auditor's VerifyLog was not run (no EU-AUDIT certificate)";
        if (File.Exists(Path.Combine(settings.CertificatesDirectory!, "EU-AUDIT.crt")))
        {
            using var auditor = run.Connect(settings.AsUnit("EU-AUDIT") with { User = settings.User ?? "demo" });
            var verified = await auditor.Audit.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "demo: log check after an erasure" } },
                cancellationToken: cancellation);
            verdict = verified.Intact ? $"the auditor's VerifyLog: intact ({verified.EntriesChecked} entries, {verified.CheckpointsChecked} checkpoints)"
                : $"the auditor's VerifyLog: NOT intact: {verified.Problem}";
        }
        return $"{unit} erased victim link {link.VictimLinkId} ({victim}) of case {reference}: it now reads [erased]; {verdict}";
    }

    private sealed record Asked(string Question, string Expected, string Answer);

    /// The foreign partner's questions: a batch of raw values, then one blind token (the value never leaves the partner).
    private static async Task<List<Asked>> PartnerLookups(Invocation run, HubSettings settings, DemoScenario scenario, CancellationToken cancellation)
    {
        if (!File.Exists(Path.Combine(settings.CertificatesDirectory!, DemoScenario.Partner + ".crt"))) return [];
        var partner = run.Connect(settings.AsUnit(DemoScenario.Partner) with { User = settings.User ?? "demo" });
        var justification = new Justification { Purpose = "checking identifiers from NCMEC CyberTipline reports", CaseReference = "HSI-C3-2025-0042" };
        var asked = new List<Asked>();
        try
        {
            using var call = partner.Lookups.BatchLookup(cancellationToken: cancellation);
            for (var i = 0; i < scenario.PartnerQuestions.Count; i++)
                await call.RequestStream.WriteAsync(new BatchLookupRequest
                {
                    Justification = i == 0 ? justification : null,
                    Identifier = new IdentifierQuery { Raw = scenario.PartnerQuestions[i].Raw },
                    ItemId = i.ToString(),
                }, cancellation);
            await call.RequestStream.CompleteAsync();
            await foreach (var answer in call.ResponseStream.ReadAllAsync(cancellation))
            {
                var question = scenario.PartnerQuestions[int.Parse(answer.ItemId)];
                asked.Add(new Asked($"{question.Shown}: {question.Raw.Value}", question.Expectation, Verdict(answer)));
            }

            try
            {
                var token = (await OprfBlinding.Tokens(partner, [scenario.BlindQuestion], justification, cancellation))[0];
                var blind = await partner.Lookups.LookupAsync(new LookupRequest
                {
                    Identifier = new IdentifierQuery { BlindToken = token },
                    Justification = justification,
                }, cancellationToken: cancellation);
                asked.Add(new Asked($"blind token for the Dutch IBAN ({scenario.BlindQuestion})", "hit", Verdict(blind)));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                asked.Add(new Asked($"blind token for the Dutch IBAN ({scenario.BlindQuestion})", "hit", "skipped: the hub has no OPRF key"));
            }
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            asked.Add(new Asked("(partner lookups)", "", $"skipped: the hub does not accept {DemoScenario.Partner} as a partner"));
        }
        return asked;
    }

    private static string Verdict(LookupAnswer answer) =>
        answer.Error is not null ? "error: " + HubErrors.Describe(answer.Error)
        : !answer.Hit ? "no hit"
        : "HIT: " + string.Join("; ", answer.Disclosures.Select(d => $"{d.OwnerUnit} {d.CaseReference} ({Vocabulary.Word(d.Tlp)})"));
}
