using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Cli.Import;
using EvidenceHub.Cli.Tests.Infrastructure;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Media.NearMatch;

namespace EvidenceHub.Cli.Tests;

/// `evidencehub import media` against a real hub: what it imports is a media record like one added by `media add`
/// (on the case, looked up, near-matched, checked by a hosting party when flagged), and a re-run never duplicates.
public sealed class MediaImportTests(CliHub hub) : IClassFixture<CliHub>
{
    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private string File(string name, string text)
    {
        var path = Path.Combine(hub.Root, $"{Guid.NewGuid():N}-{name}");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static string Vics(IEnumerable<(string Md5, string Sha1, string? Pdq)> media) =>
        "{ \"@odata.context\": \"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases\", \"value\": [ { \"Media\": [\n" +
        string.Join(",\n", media.Select((m, i) => $$"""
            { "MediaID": {{i + 1}}, "Category": 1, "MD5": "{{m.Md5.ToUpperInvariant()}}", "SHA1": "{{m.Sha1}}", "VictimIdentified": "true", "IsDistributed": true{{(m.Pdq is null ? "" : $", \"PDQ\": \"{m.Pdq}\", \"PDQQuality\": 90")}} }
            """)) + "\n] } ] }";

    private async Task<Case> CaseOf(string unit, string reference)
    {
        using var connection = hub.Connect(unit);
        var request = new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "test check" }, PageSize = 5_000 };
        var file = await connection.Cases.GetCaseAsync(request);
        for (var page = file; page.NextPageToken != "";)
        {
            request.PageToken = page.NextPageToken;
            page = await connection.Cases.GetCaseAsync(request);
            file.Identifiers.AddRange(page.Identifiers);
        }
        return file;
    }

    [Fact]
    public async Task Imported_vics_media_are_on_the_case_looked_up_near_matched_and_known_to_providers_when_flagged()
    {
        var reference = Unique.Reference("VICS");
        var pdq = Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue)));
        var media = new[] { (Hex(16), Hex(20), (string?)pdq.ToHex()), (Hex(16), Hex(20), null) };
        var run = await hub.Run("NL-TBKK", "--json", "import", "media", File("list.json", Vics(media)), "--case", reference, "--tlp", "green", "--provider-filter");
        Assert.True(run.Code == ExitCodes.Ok, run.ToString());
        Assert.Equal((2, 1), (run.Json()[0].GetProperty("applied").GetInt32(), run.Json()[0].GetProperty("casesOpened").GetInt32()));

        var file = await CaseOf("NL-TBKK", reference);
        Assert.Equal(5, file.Identifiers.Count);
        Assert.Contains($"md5:{media[0].Item1}", file.Identifiers.Select(i => i.Key));
        var lookup = await hub.Run("US-HSI-C3", "lookup", "--key", $"md5:{media[1].Item1}", "--why", "CyberTip 7");
        Assert.True(lookup.Code == ExitCodes.Ok, lookup.ToString());
        Assert.Contains(reference, lookup.Out);

        // Another unit's edited copy near-matches the imported PDQ hash.
        using var be = hub.Connect("BE-FCCU");
        var beCase = Unique.Reference("BE");
        await hub.Run("BE-FCCU", "cases", "open", "--reference", beCase, "--offence", "sextortion", "--tlp", "green");
        var edited = pdq;
        for (var bit = 0; bit < 9; bit++) edited = edited.FlipBit(bit * 13);
        var near = await be.Cases.AddMediaAsync(new AddMediaRequest { CommandId = Guid.NewGuid().ToString(), CaseReference = beCase, Sha256 = Hex(32), Pdq = edited.ToHex(), PdqQuality = 90 });
        Assert.Equal(1, near.Correlations);

        var questions = File("uploads.txt", $"md5:{media[0].Item1}\nsha256:{Hex(32)}\n");
        var check = await hub.Run(CliHub.Provider, "hashes", "check", questions);
        Assert.True(check.Code == ExitCodes.Ok, check.ToString());
        Assert.Contains($"md5:{media[0].Item1}: KNOWN, category 1", check.Out);
    }

    [Fact]
    public async Task Bad_records_are_rejected_by_their_place_naming_the_field_and_a_rerun_adds_nothing_twice()
    {
        var reference = Unique.Reference("ICSE");
        var (good, alsoGood) = (Hex(32), Hex(32));
        var path = File("list.csv", $"sha256,md5,category,pdq,pdq_quality\n{good},,1,,\nnot-a-hash,,1,,\n{alsoGood},,1,{Hex(32)},10\n{alsoGood},{Hex(16)},2,,\n,,1,,\n");
        var first = await hub.Run("NL-TBKK", "import", "media", path, "--case", reference);
        Assert.True(first.Code == ExitCodes.Partial, first.ToString());
        var rejected = Csv.Read(new StringReader(System.IO.File.ReadAllText(Path.ChangeExtension(path, null) + ".rejected.csv"))).Skip(1)
            .ToDictionary(r => int.Parse(r.Fields[0]), r => r.Fields[1]);
        Assert.Equal([3, 4, 6], rejected.Keys.Order());
        Assert.Contains("sha256", rejected[3]);
        Assert.Contains("pdq_quality", rejected[4]);
        Assert.Contains("sha256", rejected[6]);

        var second = await hub.Run("NL-TBKK", "--json", "import", "media", path, "--case", reference);
        Assert.Equal(2, second.Json()[0].GetProperty("replayed").GetInt32());
        Assert.Equal(0, second.Json()[0].GetProperty("applied").GetInt32());
        var file = await CaseOf("NL-TBKK", reference);
        Assert.Equal(3, file.Identifiers.Count);
        Assert.Equal(new[] { $"sha256:{alsoGood}", $"sha256:{good}" }.Order(), file.Identifiers.Select(i => i.Key).Where(k => k.StartsWith("sha256:")).Order());
    }

    [Fact]
    public async Task A_media_import_interrupted_midway_resumes_without_duplicates()
    {
        var reference = Unique.Reference("VICS");
        var media = Enumerable.Range(0, 1500).Select(_ => (Hex(16), Hex(20), (string?)null)).ToList();
        var path = File("big.json", Vics(media));
        using var interrupt = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            using var connection = hub.Connect("NL-TBKK");
            while (!interrupt.IsCancellationRequested)
            {
                try
                {
                    var file = await connection.Cases.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "watching the import" } });
                    if (file.Version > 3) { interrupt.Cancel(); return; }
                }
                catch (Grpc.Core.RpcException) { }
                await Task.Delay(20);
            }
        });
        var first = await hub.Run("NL-TBKK", ["import", "media", path, "--case", reference, "--batch-size", "100"], interrupt.Token);
        interrupt.Cancel();
        await watching;
        Assert.True(first.Code is ExitCodes.Interrupted, first.ToString());

        var second = await hub.Run("NL-TBKK", "--json", "import", "media", path, "--case", reference, "--batch-size", "100");
        Assert.True(second.Code == ExitCodes.Ok, second.ToString());
        var summary = second.Json()[0];
        Assert.Equal(1500, summary.GetProperty("applied").GetInt32() + summary.GetProperty("replayed").GetInt32());
        Assert.True(summary.GetProperty("replayed").GetInt32() >= 100, second.ToString());

        var stored = await CaseOf("NL-TBKK", reference);
        Assert.Equal(3000, stored.Identifiers.Count);
        // Opened, then one event per batch of 100 (the batches already imported were answered as replays): the
        // case's version is where its last batch left it.
        Assert.Equal(1 + 15, stored.Version);
    }
}
