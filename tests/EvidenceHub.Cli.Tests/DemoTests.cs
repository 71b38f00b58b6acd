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
            Assert.Equal(41 + 3 + 3 + 2, network.Identifiers.Count);
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
