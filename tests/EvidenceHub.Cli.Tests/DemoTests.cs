using EvidenceHub.Cli.Demo;
using EvidenceHub.Cli.Tests.Infrastructure;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Cli.Tests;

public sealed class DemoTests(CliHub hub) : IClassFixture<CliHub>
{
    [Fact]
    public async Task The_demo_loads_the_ring_across_eight_units_and_a_second_load_changes_nothing()
    {
        var run = await hub.Run(null, "--json", "demo", "load", "--seed", "7");
        Assert.True(run.Code == ExitCodes.Ok, run.ToString());
        var result = run.Json()[0];
        var units = result.GetProperty("units").EnumerateArray().ToList();
        Assert.Equal(8, units.Count);
        Assert.All(units, u => Assert.Equal("loaded", u.GetProperty("status").GetString()));
        Assert.All(units, u => Assert.Equal(0, u.GetProperty("rejected").GetInt32()));
        Assert.True(units.Sum(u => u.GetProperty("correlations").GetInt32()) >= 9);
        Assert.Contains("accepted", result.GetProperty("handoff").GetString());
        Assert.Contains("[erased]", result.GetProperty("erasure").GetString());
        Assert.Contains("VerifyLog: intact", result.GetProperty("erasure").GetString());
        foreach (var lookup in result.GetProperty("lookups").EnumerateArray())
        {
            var (expected, answer) = (lookup.GetProperty("expected").GetString()!, lookup.GetProperty("answer").GetString()!);
            Assert.True(expected.StartsWith("hit") ? answer.StartsWith("HIT") : answer == "no hit", $"{lookup}");
        }

        // The whole ring is one network: ten cases, 120 victims in six countries, one of them erased by the demo.
        using (var auditor = hub.Connect(CliHub.Auditor))
        {
            var network = await auditor.Lookups.GetNetworkAsync(new GetNetworkRequest
            {
                CaseId = await hub.CaseIdOf("NL-TBKK", DemoScenario.Generate(7).Cases[0].Reference), Justification = new Justification { Purpose = "demo test" },
            });
            Assert.Equal(10, network.Cases.Count);
            Assert.Equal(119, network.VictimsByCountry.Sum(v => v.Victims));
            Assert.Equal(["BE", "CA", "DE", "FR", "GB", "NL"], network.VictimsByCountry.Select(v => v.Country));
            // The ring's accounts, phones, IBANs and wallets, and the file and PDQ hashes of the two pictures of one victim.
            Assert.Equal(41 + 3 + 3 + 2, network.Identifiers.Count(i => i.Kind is not (IdentifierKind.FileHashSha256 or IdentifierKind.FileHashSha1
                or IdentifierKind.FileHashMd5 or IdentifierKind.PerceptualHash)));
        }
        using (var nl = hub.Connect("NL-TBKK"))
        {
            // The new lead learns the case id from its feed, as a unit does.
            var reference = DemoScenario.Generate(7).Handoff.Reference;
            await hub.ProjectionsCaughtUp();
            using var feed = nl.Feed.Subscribe(new SubscribeRequest { StopAtEnd = true });
            var items = await feed.ResponseStream.ReadAllAsync().ToListAsync();
            var caseId = items.LastOrDefault(i => i.ItemCase == FeedItem.ItemOneofCase.Handoff && i.Handoff.CaseReference == reference)?.Handoff.CaseId;
            Assert.NotNull(caseId);
            var handedOver = await nl.Cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "demo test" } });
            Assert.Equal("NL-TBKK", handedOver.OwnerUnit);
        }

        var again = await hub.Run(null, "--json", "demo", "load", "--seed", "7");
        Assert.True(again.Code == ExitCodes.Ok, again.ToString());
        Assert.All(again.Json()[0].GetProperty("units").EnumerateArray(), u =>
        {
            Assert.Equal(0, u.GetProperty("applied").GetInt32());
            Assert.Equal(u.GetProperty("rows").GetInt32(), u.GetProperty("replayed").GetInt32());
        });
    }

    [Fact]
    public async Task After_the_ring_the_demo_narrows_a_case_restricts_and_regrades_identifiers_and_the_auditor_finds_the_log_intact()
    {
        var scenario = DemoScenario.Generate(10);
        var (narrow, restrict, regrade, join, image) = DemoLifecycle.Of(scenario);
        var run = await hub.Run(null, "demo", "load", "--seed", "10");
        Assert.True(run.Code == ExitCodes.Ok, run.ToString());

        // The owner narrowed its case; the partner that found it by the Dutch phone number holds the notice, and so
        // does the Canadian unit whose case was correlated with it.
        Assert.Contains($"Sharing narrowed: NL-ON-ZEDEN now shares case {narrow.Reference} TLP:AMBER H2, for NL-TBKK only", run.Out);
        Assert.Contains($"{DemoScenario.Partner}'s feed #", run.Out);
        using (var owner = hub.Connect(narrow.Unit))
            Assert.Equal(Tlp.Amber, (await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseReference = narrow.Reference, Justification = new() { Purpose = "demo test" } })).SharingPolicy.Tlp);
        var phoneKey = "phone:" + scenario.PartnerQuestions[1].Raw.Value.Replace(" ", "");
        var toPartner = Assert.Single(await Feed(DemoScenario.Partner), i => i.SharingNarrowed?.CaseReference == narrow.Reference).SharingNarrowed;
        Assert.Equal((narrow.Unit, RemainingDisclosure.None, narrow.Reason), (toPartner.OwnerUnit, toPartner.StillVisible, toPartner.Reason));
        // A partner holds no case of its own to name the number by, but it asked about the number itself: named by it.
        Assert.Contains(phoneKey, toPartner.IdentifierKeys);
        Assert.DoesNotContain(CliHub.Pseudonyms.Of(phoneKey), toPartner.IdentifierKeys);
        var toCanada = Assert.Single(await Feed("CA-RCMP-NCECC"), i => i.SharingNarrowed?.CaseReference == narrow.Reference).SharingNarrowed;
        Assert.Equal(RemainingDisclosure.None, toCanada.StillVisible);
        Assert.Contains(phoneKey, toCanada.IdentifierKeys);

        // The Dutch IBAN, restricted by the lead: FR-OFMIN, the only other unit holding it, is told; the owner still sees it, restricted.
        Assert.Contains($"Restricted: NL-TBKK keeps {scenario.BlindQuestion} of case {restrict.Reference} as evidence only (LED Art. 16(3)(a)", run.Out);
        var restriction = Assert.Single(await Feed(restrict.Correlated), i => i.Restriction?.CaseReference == restrict.Reference).Restriction;
        Assert.Equal((restrict.Unit, false, false), (restriction.OwnerUnit, restriction.WholeCase, restriction.Lifted));
        Assert.Equal([scenario.BlindQuestion], restriction.IdentifierKeys);
        Assert.Equal([await hub.CaseIdOf(restrict.Correlated, scenario.Cases.First(c => c.Unit == restrict.Correlated && c.Ring).Reference)], restriction.YourCaseIds);
        using (var lead = hub.Connect(restrict.Unit))
        {
            var held = await lead.Cases.GetCaseAsync(new GetCaseRequest { CaseReference = restrict.Reference, Justification = new() { Purpose = "demo test" } });
            Assert.True(held.Identifiers.Single(i => i.Key == scenario.BlindQuestion).Restricted);
        }

        // The German IBAN, regraded by DE-BKA: DE-LKA-NW, which holds it too, is told the new grading.
        var grading = Assert.Single(await Feed(regrade.Correlated), i => i.Regrading?.RegradingCaseReference == regrade.Reference).Regrading;
        Assert.Equal((regrade.Unit, regrade.Grading, regrade.Reason), (grading.RegradingUnit, grading.Grading, grading.Reason));
        Assert.StartsWith("iban:DE", grading.IdentifierKey);
        Assert.Contains($"Regraded: DE-BKA grades {grading.IdentifierKey} of case {regrade.Reference} A1-fact", run.Out);
        Assert.Contains($"{regrade.Correlated}'s feed #{(await Feed(regrade.Correlated)).Single(i => i.Regrading?.RegradingCaseReference == regrade.Reference).Position}: REGRADED {grading.IdentifierKey}", run.Out);

        // DE-BKA's ring case is led jointly with DE-LKA-NW, which reads its victims as the owner does; DE-BKA was told.
        Assert.Contains($"Joint case: DE-BKA asked DE-LKA-NW to co-lead case {join.Reference}", run.Out);
        using (var coLead = hub.Connect(join.CoLead))
        {
            var joint = await coLead.Cases.GetCaseAsync(new GetCaseRequest { CaseId = await hub.CaseIdOf(join.Unit, join.Reference), Justification = new() { Purpose = "demo test" } });
            Assert.Contains(join.CoLead, joint.CoLeadUnits);
            Assert.NotEmpty(joint.VictimLinks);
        }
        Assert.Single(await Feed(join.Unit), i => i.CoLead is { Change: CoLeadChange.Joined } c && c.CaseReference == join.Reference);

        // The Dutch original and the French half-size copy of one picture: a near-match, both units told with the distance.
        // (A PDQ correlation: exact when halving the picture changed no bit of its hash, as for some seeds.)
        var nearMatch = Assert.Single(await Feed(image.Unit), i => i.Correlation is { Kind: IdentifierKind.PerceptualHash } c && c.YourCaseReference == image.Reference).Correlation;
        Assert.Equal((image.OtherUnit, image.OtherReference), (nearMatch.OtherCase.OwnerUnit, nearMatch.OtherCase.CaseReference));
        Assert.InRange(nearMatch.Distance, 0, 31);
        var toFrance = Assert.Single(await Feed(image.OtherUnit), i => i.Correlation is { Kind: IdentifierKind.PerceptualHash } c && c.YourCaseReference == image.OtherReference).Correlation;
        Assert.Equal((image.Unit, nearMatch.Distance), (toFrance.OtherCase.OwnerUnit, toFrance.Distance));
        Assert.Contains($"NEAR-MATCH at PDQ distance {nearMatch.Distance} with {image.OtherUnit} case {image.OtherReference}", run.Out);

        // The Dutch picture found at a hosting party: asked to take it down, the provider removed it, and NL-TBKK was told.
        var removed = Assert.Single(await Feed(image.Unit), i => i.TakedownAnswer is { Status: TakedownStatus.Removed } a && a.CaseReference == image.Reference).TakedownAnswer;
        Assert.Equal(DemoLifecycle.SharedImage.Provider, removed.Provider);
        Assert.Contains($"Takedown: {image.Unit} asks {DemoLifecycle.SharedImage.Provider} to remove {image.Image}", run.Out);

        // The auditor found the log intact and read the narrowing's access record.
        var intact = System.Text.RegularExpressions.Regex.Match(run.Out, @"Audit: EU-AUDIT finds the log intact: (\d+) entries");
        Assert.True(intact.Success, run.Out);
        Assert.True(long.Parse(intact.Groups[1].Value) > 0);
        Assert.Contains($"access log: 1 record(s) of the narrowing of case {narrow.Reference}", run.Out);

        // Again, as JSON: every step is answered as a replay, nobody is told twice, and the log is still intact.
        var again = await hub.Run(null, "--json", "demo", "load", "--seed", "10");
        Assert.True(again.Code == ExitCodes.Ok, again.ToString());
        var steps = again.Json().Skip(1).ToDictionary(s => s.GetProperty("step").GetString()!);
        Assert.All(new[] { "narrowing", "restriction", "regrading", "joint case", "near-match", "takedown" }, step => Assert.True(steps[step].GetProperty("replayed").GetBoolean(), $"{steps[step]}"));
        Assert.Contains("SHARING NARROWED", steps["narrowing"].GetProperty("partnerNotice").GetString());
        Assert.Single(await Feed(DemoScenario.Partner), i => i.SharingNarrowed?.CaseReference == narrow.Reference);
        Assert.Single(await Feed(restrict.Correlated), i => i.Restriction?.CaseReference == restrict.Reference);
        Assert.Single(await Feed(regrade.Correlated), i => i.Regrading?.RegradingCaseReference == regrade.Reference);
        var verification = steps["verification"];
        Assert.True(verification.GetProperty("intact").GetBoolean(), $"{verification}");
        Assert.True(verification.GetProperty("treeSize").GetInt64() >= long.Parse(intact.Groups[1].Value));
        var records = verification.GetProperty("narrowingRecords").EnumerateArray().ToList();
        // The owner's reason is sealed in the case's history (erasing the case erases it); the access record says so.
        Assert.Equal(EvidenceHub.Hub.Sharing.ChangeSharingPolicy.SealedReasonNote, records[0].GetProperty("justification").GetString());
        Assert.Contains($"{DemoScenario.Partner} (still sees None)", records[0].GetProperty("disclosed").GetString());
        Assert.Contains("CA-RCMP-NCECC (still sees None)", records[0].GetProperty("disclosed").GetString());
        // And the hub agrees, asked directly.
        using var auditor = hub.Connect(CliHub.Auditor);
        Assert.True((await auditor.Audit.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "demo test" } })).Intact);
    }

    /// Everything in a unit's feed, once the hub's feed has caught up.
    private async Task<List<FeedItem>> Feed(string unit)
    {
        await hub.ProjectionsCaughtUp();
        using var connection = hub.Connect(unit);
        using var feed = connection.Feed.Subscribe(new SubscribeRequest { StopAtEnd = true });
        return await feed.ResponseStream.ReadAllAsync().ToListAsync();
    }

    [Fact]
    public async Task Without_certificates_of_some_units_the_demo_loads_the_rest_and_names_what_is_missing()
    {
        var partial = Path.Combine(hub.Root, $"certs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(partial);
        foreach (var file in new[] { "ca.crt", "NL-TBKK.crt", "NL-TBKK.key", "CA-RCMP-NCECC.crt", "CA-RCMP-NCECC.key" })
            File.Copy(Path.Combine(hub.Certificates, file), Path.Combine(partial, file));
        var run = await hub.Run(null, ["demo", "load", "--seed", "8", "--certs", partial]);
        Assert.True(run.Code == ExitCodes.Partial, run.ToString());
        Assert.Contains("skipped: no certificate DE-BKA.crt", run.Out);
        Assert.Contains("not made", run.Out);
    }

    [Fact]
    public async Task The_demo_csv_files_import_like_any_other_file()
    {
        var directory = Path.Combine(hub.Root, $"demo-{Guid.NewGuid():N}");
        var written = await hub.Run(null, "demo", "csv", directory, "--seed", "9");
        Assert.True(written.Code == ExitCodes.Ok, written.ToString());
        Assert.Equal(DemoScenario.ReportingUnits.Select(u => u.Id + ".csv").Order(), Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        var imported = await hub.Run("FR-OFMIN", "--json", "import", Path.Combine(directory, "FR-OFMIN.csv"), "--tlp", "green");
        Assert.True(imported.Code == ExitCodes.Ok, imported.ToString());
        Assert.Equal(DemoScenario.Generate(9).Rows["FR-OFMIN"].Count, imported.Json()[0].GetProperty("applied").GetInt32());
    }
}
