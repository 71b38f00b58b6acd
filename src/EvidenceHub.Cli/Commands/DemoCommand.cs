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
            BE-FCCU hands its case to NL-TBKK, and the partner US-HSI-C3 looks identifiers up. Then NL-ON-ZEDEN narrows its
            case's sharing, NL-TBKK restricts an identifier and DE-BKA regrades one (the feeds of those told are shown), and
            the auditor EU-AUDIT verifies the log. Needs --certs with ca.crt and each unit's certificate; units without one
            are skipped and named. Safe to run again: nothing is duplicated.
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

        // What happens to shared data afterwards: each step tells its own part, in the order it happens.
        var lifecycle = DemoLifecycle.Of(scenario);
        var narrowed = await NarrowSharing(run, settings, lifecycle.Narrow, connected, cancellation);
        var restrictedAndRegraded = await RestrictAndRegrade(run, lifecycle, connected, cancellation);
        var joined = await JoinCase(run, lifecycle.Join, connected, cancellation);
        var nearMatched = await ShareImage(run, lifecycle.Image, connected, cancellation);
        var takenDown = await TakeDown(run, settings, lifecycle.Image, connected, cancellation);
        var intact = await VerifyAfterwards(run, settings, lifecycle.Narrow, narrowed, cancellation);

        var complete = loads.All(l => l.Status == "loaded" && l.Rejected == 0);
        return intact == false ? ExitCodes.Negative
            : complete && narrowed?.PartnerTold == true && restrictedAndRegraded && joined && nearMatched && takenDown && intact == true ? ExitCodes.Ok : ExitCodes.Partial;
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

    private sealed record Narrowed(string CaseId, bool PartnerTold);

    /// The owner narrows one correlated case's sharing, and the partner that had found it by a lookup is told.
    private static async Task<Narrowed?> NarrowSharing(Invocation run, HubSettings settings, DemoLifecycle.Narrowing narrowing,
        Dictionary<string, HubConnection> connected, CancellationToken cancellation)
    {
        var (unit, reference, policy, reason, partner) = narrowing;
        var shared = $"{Vocabulary.Word(policy.Tlp)} {Vocabulary.Word(policy.HandlingCode)}, for {string.Join(", ", policy.PartnerUnits)} only";
        if (!connected.TryGetValue(unit, out var owner))
        {
            Narrate(run, new { step = "narrowing", unit, caseReference = reference, made = false }, $"Sharing narrowed: not made ({unit} must be loaded)");
            return null;
        }
        var result = await owner.Cases.ChangeSharingPolicyAsync(new ChangeSharingPolicyRequest
        {
            CommandId = Ids.CommandId("demo-narrow", unit, "reference/" + reference, reason), CaseReference = reference, SharingPolicy = policy, Reason = reason,
        }, cancellationToken: cancellation);
        var notice = File.Exists(Path.Combine(settings.CertificatesDirectory!, partner + ".crt"))
            ? await FeedItemWhere(run.Connect(settings.AsUnit(partner) with { User = settings.User ?? "demo" }),
                i => i.SharingNarrowed is { } n && n.OwnerUnit == unit && n.CaseReference == reference, cancellation)
            : null;
        Narrate(run, new
        {
            step = "narrowing", unit, caseReference = reference, caseId = result.CaseId, made = true, replayed = result.Replayed, policy = shared, reason,
            partner, partnerNotice = notice is null ? null : FeedCommand.Describe(notice),
        }, $"Sharing narrowed: {unit} now shares case {reference} {shared} (\"{reason}\"){Again(result)}.",
            notice is null ? $"  {partner}'s feed: no notice (the partner is not loaded, or its notice did not arrive in time)" : $"  {partner}'s feed {FeedCommand.Describe(notice)}");
        return new Narrowed(result.CaseId, notice is not null);
    }

    /// The lead restricts an identifier whose accuracy is contested, and DE-BKA regrades one; each correlated unit is told.
    private static async Task<bool> RestrictAndRegrade(Invocation run, DemoLifecycle lifecycle, Dictionary<string, HubConnection> connected, CancellationToken cancellation)
    {
        var restriction = lifecycle.Restrict;
        var restricted = false;
        if (connected.TryGetValue(restriction.Unit, out var owner) && connected.TryGetValue(restriction.Correlated, out var correlated))
        {
            var key = await KeyOf(owner, restriction.Reference, restriction.Kind, cancellation);
            var result = await owner.Cases.RestrictDataAsync(new RestrictDataRequest
            {
                CommandId = Ids.CommandId("demo-restrict", restriction.Unit, "reference/" + restriction.Reference, key), CaseReference = restriction.Reference,
                IdentifierKey = key, Reason = restriction.Reason, LegalBasis = restriction.LegalBasis,
            }, cancellationToken: cancellation);
            var notice = await FeedItemWhere(correlated, i => i.Restriction is { Lifted: false } r && r.OwnerUnit == restriction.Unit
                && r.CaseReference == restriction.Reference && r.IdentifierKeys.Contains(key), cancellation);
            restricted = notice is not null;
            Narrate(run, new
            {
                step = "restriction", unit = restriction.Unit, caseReference = restriction.Reference, identifierKey = key, restriction.LegalBasis, restriction.Reason,
                replayed = result.Replayed, correlatedUnit = restriction.Correlated, noticePosition = notice?.Position,
            }, $"Restricted: {restriction.Unit} keeps {key} of case {restriction.Reference} as evidence only ({restriction.LegalBasis}: \"{restriction.Reason}\"); " +
               $"no one else can match it or be told of it any more{Again(result)}.",
                notice is null ? $"  {restriction.Correlated}'s feed: no restriction notice arrived in time"
                    : $"  {restriction.Correlated}'s feed #{notice.Position}: RESTRICTED {key} of {restriction.Unit} case {restriction.Reference}: you may no longer use it");
        }
        else Narrate(run, new { step = "restriction", unit = restriction.Unit, made = false }, $"Restriction: not made ({restriction.Unit} and {restriction.Correlated} must both be loaded)");

        var regrading = lifecycle.Regrade;
        var regraded = false;
        if (connected.TryGetValue(regrading.Unit, out owner) && connected.TryGetValue(regrading.Correlated, out correlated))
        {
            var key = await KeyOf(owner, regrading.Reference, regrading.Kind, cancellation);
            var grade = Vocabulary.Word(regrading.Grading);
            var result = await owner.Cases.RegradeDataAsync(new RegradeDataRequest
            {
                CommandId = Ids.CommandId("demo-regrade", regrading.Unit, "reference/" + regrading.Reference, key, grade), CaseReference = regrading.Reference,
                IdentifierKey = key, Grading = regrading.Grading, Reason = regrading.Reason,
            }, cancellationToken: cancellation);
            var notice = await FeedItemWhere(correlated, i => i.Regrading is { } g && g.RegradingUnit == regrading.Unit
                && g.RegradingCaseReference == regrading.Reference && g.IdentifierKey == key && g.Grading.Equals(regrading.Grading), cancellation);
            regraded = notice is not null;
            Narrate(run, new
            {
                step = "regrading", unit = regrading.Unit, caseReference = regrading.Reference, identifierKey = key, grading = grade, regrading.Reason,
                replayed = result.Replayed, correlatedUnit = regrading.Correlated, noticePosition = notice?.Position,
            }, $"Regraded: {regrading.Unit} grades {key} of case {regrading.Reference} {grade} (\"{regrading.Reason}\"){Again(result)}.",
                notice is null ? $"  {regrading.Correlated}'s feed: no grading notice arrived in time"
                    : $"  {regrading.Correlated}'s feed #{notice.Position}: REGRADED {key} by {regrading.Unit} case {regrading.Reference}: now {grade}");
        }
        else Narrate(run, new { step = "regrading", unit = regrading.Unit, made = false }, $"Regrading: not made ({regrading.Unit} and {regrading.Correlated} must both be loaded)");
        return restricted && regraded;
    }

    /// The owner asks another unit to co-lead its case; that unit accepts (naming the case by the id its invitation
    /// gave), reads it as the owner does, and the owner is told. Ids derived, so a re-run replays both.
    private static async Task<bool> JoinCase(Invocation run, DemoLifecycle.Joining joining, Dictionary<string, HubConnection> connected, CancellationToken cancellation)
    {
        var (unit, reference, coLeadUnit, reason) = joining;
        if (!connected.TryGetValue(unit, out var owner) || !connected.TryGetValue(coLeadUnit, out var coLead))
        {
            Narrate(run, new { step = "joint case", unit, made = false }, $"Joint case: not made ({unit} and {coLeadUnit} must both be loaded)");
            return false;
        }
        var invited = await owner.Cases.InviteCoLeadAsync(new InviteCoLeadRequest
        {
            CommandId = Ids.CommandId("demo-invite", unit, "reference/" + reference, coLeadUnit), CaseReference = reference, CoLeadUnit = coLeadUnit, Reason = reason,
        }, cancellationToken: cancellation);
        var accepted = await coLead.Cases.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest
        {
            CommandId = Ids.CommandId("demo-join", coLeadUnit, invited.CaseId), CaseId = invited.CaseId, Answer = CoLeadAnswer.Accept,
        }, cancellationToken: cancellation);
        var joint = await coLead.Cases.GetCaseAsync(new GetCaseRequest
        {
            CaseId = invited.CaseId, Justification = new Justification { Purpose = "demo: the joint investigation" },
        }, cancellationToken: cancellation);
        var notice = await FeedItemWhere(owner, i => i.CoLead is { Change: CoLeadChange.Joined } c && c.CaseId == invited.CaseId && c.CoLeadUnit == coLeadUnit, cancellation);
        Narrate(run, new
        {
            step = "joint case", unit, caseReference = reference, caseId = invited.CaseId, coLead = coLeadUnit, reason, replayed = invited.Replayed && accepted.Replayed,
            victimLinksSeen = joint.VictimLinks.Count, noticePosition = notice?.Position,
        }, $"Joint case: {unit} asked {coLeadUnit} to co-lead case {reference} (\"{reason}\"); {coLeadUnit} accepted{Again(accepted)} and reads it " +
           $"as its owner does, victims included ({joint.VictimLinks.Count} victim links).",
            notice is null ? $"  {unit}'s feed: no notice arrived in time" : $"  {unit}'s feed #{notice.Position}: CO-LEAD JOINED case {reference}: {coLeadUnit}");
        return notice is not null;
    }

    /// Each unit hashes its picture locally (the image never leaves it) and adds the hashes to its case; the hub finds
    /// the copy within PDQ distance of the original and tells both units, each under the other case's policy.
    private static async Task<bool> ShareImage(Invocation run, DemoLifecycle.SharedImage shared, Dictionary<string, HubConnection> connected, CancellationToken cancellation)
    {
        if (!connected.TryGetValue(shared.Unit, out var owner) || !connected.TryGetValue(shared.OtherUnit, out var other))
        {
            Narrate(run, new { step = "near-match", unit = shared.Unit, made = false }, $"Near-match: not made ({shared.Unit} and {shared.OtherUnit} must both be loaded)");
            return false;
        }
        var images = EvidenceHub.Media.Samples.SyntheticImages.All(shared.Seed).ToDictionary(i => i.Name);
        async Task<(CommandResult Result, string Pdq)> Add(HubConnection unit, string reference, string name)
        {
            var bytes = images[name].Bytes;
            var files = EvidenceHub.Media.Pdq.FileHashes.Of(new MemoryStream(bytes));
            var pdq = EvidenceHub.Media.Pdq.PdqHasher.Hash(new MemoryStream(bytes));
            var result = await unit.Cases.AddMediaAsync(new AddMediaRequest
            {
                CommandId = Ids.CommandId("demo-media", unit.Unit, "reference/" + reference, files.Sha256), CaseReference = reference,
                Sha256 = files.Sha256, Sha1 = files.Sha1, Md5 = files.Md5, Pdq = pdq.Hash.ToString(), PdqQuality = pdq.Quality,
                Category = 1, Distributed = true, ProviderFilter = true,
            }, cancellationToken: cancellation);
            return (result, pdq.Hash.ToString());
        }
        var (original, _) = await Add(owner, shared.Reference, shared.Image);
        var (copy, _) = await Add(other, shared.OtherReference, shared.OtherImage);
        // A PDQ correlation: near (with its distance), or exact when resizing happened to change no bit.
        var notice = await FeedItemWhere(owner, i => i.Correlation is { Kind: IdentifierKind.PerceptualHash } c && c.YourCaseReference == shared.Reference
            && c.OtherCase.OwnerUnit == shared.OtherUnit, cancellation);
        var distance = notice?.Correlation.HasDistance == true ? notice.Correlation.Distance : 0;
        Narrate(run, new
        {
            step = "near-match", unit = shared.Unit, caseReference = shared.Reference, image = shared.Image, otherUnit = shared.OtherUnit,
            otherCaseReference = shared.OtherReference, otherImage = shared.OtherImage, replayed = original.Replayed && copy.Replayed, distance,
            noticePosition = notice?.Position,
        }, $"Media: {shared.Unit} adds {shared.Image} to case {shared.Reference} and {shared.OtherUnit} adds {shared.OtherImage} (the same picture, " +
           $"half the size) to case {shared.OtherReference}, as hashes computed here{Again(copy)}.",
            notice is null ? $"  {shared.Unit}'s feed: no near-match notice arrived in time"
                : $"  {shared.Unit}'s feed #{notice.Position}: NEAR-MATCH at PDQ distance {distance} with {shared.OtherUnit} case {notice.Correlation.OtherCase.CaseReference}");
        return notice is not null;
    }

    /// The unit asks the hosting party where its picture was found to take it down; the provider, acting with its own
    /// certificate, sees only the hashes, the location and the requesting unit, acknowledges and reports removal, and
    /// the unit's feed says so. A re-run replays the filing and leaves an answered request as it is.
    private static async Task<bool> TakeDown(Invocation run, HubSettings settings, DemoLifecycle.SharedImage shared, Dictionary<string, HubConnection> connected,
        CancellationToken cancellation)
    {
        const string provider = DemoLifecycle.SharedImage.Provider;
        if (!connected.TryGetValue(shared.Unit, out var owner) || !File.Exists(Path.Combine(settings.CertificatesDirectory!, provider + ".crt")))
        {
            Narrate(run, new { step = "takedown", unit = shared.Unit, made = false }, $"Takedown: not made ({shared.Unit} and the hosting party {provider} must both have certificates)");
            return false;
        }
        var sha256 = EvidenceHub.Media.Pdq.FileHashes.Of(new MemoryStream(EvidenceHub.Media.Samples.SyntheticImages.All(shared.Seed).Single(i => i.Name == shared.Image).Bytes)).Sha256;
        var filed = await owner.Cases.FileTakedownRequestAsync(new FileTakedownRequestRequest
        {
            CommandId = Ids.CommandId("demo-takedown", shared.Unit, "reference/" + shared.Reference, sha256, provider), CaseReference = shared.Reference,
            Provider = provider, Media = { sha256 }, Locations = { DemoLifecycle.SharedImage.Location },
            Note = "Image of a minor shared without consent (sextortion case); please remove and keep the account's data for a production order.",
        }, cancellationToken: cancellation);
        using var hoster = run.Connect(settings.AsUnit(provider) with { User = "abuse-desk" });
        var notice = await hoster.Takedowns.GetNoticeAsync(new GetNoticeRequest { RequestId = filed.RequestId }, cancellationToken: cancellation);
        if (notice.Status == TakedownStatus.Open)
            notice = await hoster.Takedowns.AcknowledgeAsync(new AcknowledgeRequest { RequestId = filed.RequestId, Note = "abuse ticket 88213" }, cancellationToken: cancellation);
        if (notice.Status == TakedownStatus.Acknowledged)
            notice = await hoster.Takedowns.ReportRemovedAsync(new ReportRemovedRequest { RequestId = filed.RequestId, Note = "file and copies removed, hash blocked" }, cancellationToken: cancellation);
        var told = await FeedItemWhere(owner, i => i.TakedownAnswer is { Status: TakedownStatus.Removed } a && a.RequestId == filed.RequestId, cancellation);
        Narrate(run, new
        {
            step = "takedown", unit = shared.Unit, caseReference = shared.Reference, provider, requestId = filed.RequestId, replayed = filed.Replayed,
            providerSaw = new { notice.RequestingUnit, material = notice.Material.Count, notice.Locations }, status = notice.Status.ToString(), noticePosition = told?.Position,
        }, $"Takedown: {shared.Unit} asks {provider} to remove {shared.Image} (request {filed.RequestId}){(filed.Replayed ? " (already filed by an earlier run)" : "")}; " +
           $"{provider} sees the hashes, the location and {notice.RequestingUnit} as the requesting authority, never the case; it acknowledged and reported the material removed.",
            told is null ? $"  {shared.Unit}'s feed: no answer arrived in time" : $"  {shared.Unit}'s feed #{told.Position}: TAKEDOWN REMOVED by {provider}");
        return told is not null && notice.Status == TakedownStatus.Removed;
    }

    /// The auditor checks the whole log after the changes and reads who narrowed what, and who was told. Null when skipped.
    private static async Task<bool?> VerifyAfterwards(Invocation run, HubSettings settings, DemoLifecycle.Narrowing narrowing, Narrowed? narrowed, CancellationToken cancellation)
    {
        const string auditor = "EU-AUDIT";
        if (!File.Exists(Path.Combine(settings.CertificatesDirectory!, auditor + ".crt")))
        {
            Narrate(run, new { step = "verification", made = false }, $"Audit: not made (no certificate {auditor}.crt)");
            return null;
        }
        var audit = run.Connect(settings.AsUnit(auditor) with { User = settings.User ?? "demo" }).Audit;
        var justification = new Justification { Purpose = "supervision: checking the log after the demo's changes to shared data" };
        LogVerification verified;
        try
        {
            verified = await audit.VerifyLogAsync(new VerifyLogRequest { Justification = justification }, cancellationToken: cancellation);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            Narrate(run, new { step = "verification", made = false }, $"Audit: not made (the hub does not accept {auditor} as an auditor)");
            return null;
        }
        var records = new List<AccessRecord>();
        if (narrowed is not null)
        {
            using var call = audit.QueryAccessLog(new QueryAccessLogRequest { Justification = justification, CaseId = narrowed.CaseId }, cancellationToken: cancellation);
            await foreach (var record in call.ResponseStream.ReadAllAsync(cancellation))
                if (record.Operation == nameof(CaseService.CaseServiceClient.ChangeSharingPolicy)) records.Add(record);
        }
        var root = Output.Hex(verified.RootHash);
        if (run.Output.Json)
            run.Output.Object(new
            {
                step = "verification", made = true, auditor, verified.Intact, verified.TreeSize, rootHash = root, verified.EntriesChecked, verified.CheckpointsChecked,
                problem = verified.Intact ? null : verified.Problem,
                narrowingRecords = records.Select(r => new { at = r.At.ToDateTimeOffset(), r.Unit, r.User, outcome = r.Outcome.ToString(), r.Justification, r.Disclosed, logPosition = r.HasLogPosition ? r.LogPosition : (long?)null }),
            });
        else
        {
            run.Output.Line(verified.Intact
                ? $"Audit: {auditor} finds the log intact: {verified.TreeSize} entries and {verified.CheckpointsChecked} signed checkpoints recomputed, root {root}."
                : $"Audit: {auditor} finds the LOG DAMAGED at position {(verified.HasFirstBadPosition ? verified.FirstBadPosition.ToString() : "?")}: {verified.Problem}");
            var table = Output.Table("time (UTC)", "unit / user", "outcome", "why", "who was told", "log position");
            foreach (var r in records)
                table.AddRow(Output.Cell(Output.Time(r.At)), Output.Cell($"{r.Unit} / {r.User}"), Output.Cell(r.Outcome.ToString().ToLowerInvariant()),
                    Output.Cell(r.Justification), Output.Cell(r.Disclosed), Output.Cell(r.HasLogPosition ? r.LogPosition.ToString() : "not yet logged"));
            run.Output.Render(table.Title($"access log: {records.Count} record(s) of the narrowing of case {narrowing.Reference}"));
        }
        return verified.Intact;
    }

    /// The first item of a unit's feed that matches, waiting while the hub's feed catches up (at most the --timeout, else
    /// a minute). A re-run finds the item its first run caused.
    private static async Task<FeedItem?> FeedItemWhere(HubConnection hub, Func<FeedItem, bool> matches, CancellationToken cancellation)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        patience.CancelAfter(hub.Settings.Timeout ?? TimeSpan.FromMinutes(1));
        try
        {
            using var call = hub.Feed.Subscribe(new SubscribeRequest(), cancellationToken: patience.Token);
            await foreach (var item in call.ResponseStream.ReadAllAsync(patience.Token))
                if (matches(item)) return item;
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
        return null;
    }

    /// The key of the case's identifier of that kind, as the owner's `cases show` prints it.
    private static async Task<string> KeyOf(HubConnection owner, string reference, IdentifierKind kind, CancellationToken cancellation)
    {
        var file = await owner.Cases.GetCaseAsync(new GetCaseRequest
        {
            CaseReference = reference, Justification = new Justification { Purpose = "demo: the identifier to change", CaseReference = reference },
        }, cancellationToken: cancellation);
        return file.Identifiers.First(i => i.Kind == kind).Key;
    }

    private static string Again(CommandResult result) => result.Replayed ? " (already done by an earlier run: nothing changed)" : "";

    private static void Narrate(Invocation run, object json, params string[] lines)
    {
        if (run.Output.Json) run.Output.Object(json);
        else foreach (var line in lines) run.Output.Line(line);
    }

    private static string Verdict(LookupAnswer answer) =>
        answer.Error is not null ? "error: " + HubErrors.Describe(answer.Error)
        : !answer.Hit ? "no hit"
        : "HIT: " + string.Join("; ", answer.Disclosures.Select(d => $"{d.OwnerUnit} {d.CaseReference} ({Vocabulary.Word(d.Tlp)})"));
}
