using System.Xml.Linq;
using EvidenceHub.Cli.Tests.Infrastructure;

namespace EvidenceHub.Cli.Tests;

public sealed class LookupAndNetworkTests(CliHub hub) : IClassFixture<CliHub>
{
    private async Task<(string NlReference, string BeReference, string Shared, string Iban)> TwoCasesSharingAHandle(string tlp = "green")
    {
        var (nl, be, shared) = (Unique.Reference("NL"), Unique.Reference("BE"), Unique.Handle());
        var iban = new Demo.Synthetic(Random.Shared.Next()).Iban("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", nl, "--offence", "financial-sextortion", "--tlp", tlp);
        await hub.Run("NL-TBKK", "cases", "add-identifier", nl, "--kind", "account", "--platform", "tiktok", "--value", shared);
        await hub.Run("NL-TBKK", "cases", "add-identifier", nl, "--kind", "iban", "--value", iban);
        await hub.Run("BE-FCCU", "cases", "open", "--reference", be, "--offence", "sextortion", "--tlp", "green");
        await hub.Run("BE-FCCU", "cases", "add-identifier", be, "--kind", "account", "--platform", "TikTok", "--value", "@" + shared);
        return (nl, be, shared, iban);
    }

    [Fact]
    public async Task A_hosting_party_checks_a_file_of_hashes_and_learns_known_and_category_of_flagged_media_only()
    {
        var reference = Unique.Reference("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "red");
        var dir = Directory.CreateTempSubdirectory("evidencehub-hashes-").FullName;
        var (flagged, unflagged) = (Path.Combine(dir, "flagged.bin"), Path.Combine(dir, "unflagged.bin"));
        File.WriteAllBytes(flagged, System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        File.WriteAllBytes(unflagged, System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        Assert.Equal(0, (await hub.Run("NL-TBKK", "media", "add", reference, flagged, "--category", "2", "--provider-filter")).Code);
        Assert.Equal(0, (await hub.Run("NL-TBKK", "media", "add", reference, unflagged)).Code);
        string Sha(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        var questions = Path.Combine(dir, "uploads.txt");
        File.WriteAllLines(questions, ["# uploads of today", "sha256:" + Sha(flagged), Sha(unflagged)]);

        var run = await hub.Run(CliHub.Provider, "hashes", "check", questions);

        Assert.Equal(0, run.Code);
        Assert.Contains($"sha256:{Sha(flagged)}: KNOWN, category 2", run.Out);
        Assert.Contains($"{Sha(unflagged)}: not known", run.Out);
        Assert.DoesNotContain(reference, run.Out);
        // A unit may not check hashes; a provider may not look up.
        Assert.Equal(5, (await hub.Run("NL-TBKK", "hashes", "check", questions)).Code);
        Assert.Equal(5, (await hub.Run(CliHub.Provider, "lookup", "--key", "sha256:" + Sha(flagged), "--why", "checking an upload")).Code);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task A_partner_gets_a_hit_raw_and_blind_and_a_no_hit_exits_1()
    {
        var (nl, _, shared, iban) = await TwoCasesSharingAHandle();
        var raw = await hub.Run("US-HSI-C3", "lookup", "--kind", "account", "--platform", "tiktok", "--value", "@" + shared.ToUpperInvariant(), "--why", "CyberTip 1");
        Assert.True(raw.Code == ExitCodes.Ok, raw.ToString());
        Assert.Contains("HIT", raw.Out);
        Assert.Contains(nl, raw.Out);

        var blind = await hub.Run("US-HSI-C3", "--json", "lookup", "--blind", "--key", $"iban:{iban}", "--why", "CyberTip 2");
        Assert.True(blind.Code == ExitCodes.Ok, blind.ToString());
        Assert.Equal(nl, blind.Json()[0].GetProperty("disclosures")[0].GetProperty("caseReference").GetString());

        var none = await hub.Run("US-HSI-C3", "lookup", "--key", $"account:tiktok:{Unique.Handle()}", "--why", "CyberTip 3");
        Assert.Equal(ExitCodes.Negative, none.Code);
        Assert.Contains("No hit", none.Out);

        var notCanonical = await hub.Run("US-HSI-C3", "lookup", "--blind", "--key", "phone:06-12345678", "--why", "CyberTip 4");
        Assert.Equal(ExitCodes.Usage, notCanonical.Code);
        Assert.Contains("E.164", notCanonical.Error);

        var noWhy = await hub.Run("US-HSI-C3", "lookup", "--key", $"iban:{iban}");
        Assert.Equal(ExitCodes.Usage, noWhy.Code);
    }

    [Fact]
    public async Task Blind_mode_uses_the_OPRF_and_the_hub_sees_only_blinded_elements_while_hmac_keeps_the_old_tokens()
    {
        var (nl, _, _, iban) = await TwoCasesSharingAHandle();
        var (oprfWhy, hmacWhy) = ($"oprf {Guid.NewGuid():N}", $"hmac {Guid.NewGuid():N}");
        var oprf = await hub.Run("US-HSI-C3", "--json", "lookup", "--blind", "--key", $"iban:{iban}", "--why", oprfWhy);
        Assert.True(oprf.Code == ExitCodes.Ok, oprf.ToString());
        var hmac = await hub.Run("US-HSI-C3", "--json", "lookup", "--blind", "--hmac", "--key", $"iban:{iban}", "--why", hmacWhy);
        Assert.True(hmac.Code == ExitCodes.Ok, hmac.ToString());
        Assert.Equal(nl, hmac.Json()[0].GetProperty("disclosures")[0].GetProperty("caseReference").GetString());
        Assert.Equal(ExitCodes.Usage, (await hub.Run("US-HSI-C3", "lookup", "--hmac", "--key", $"iban:{iban}", "--why", "x")).Code);

        using var auditor = hub.Connect(CliHub.Auditor);
        using var call = auditor.Audit.QueryAccessLog(new Contracts.V1.QueryAccessLogRequest { Justification = new() { Purpose = "test" }, Unit = "US-HSI-C3" });
        var records = new List<Contracts.V1.AccessRecord>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None)) records.Add(call.ResponseStream.Current);
        var viaOprf = records.Where(r => r.Justification.StartsWith(oprfWhy)).ToList();
        Assert.Equal(["EvaluateBlinded", "Lookup"], viaOprf.Select(r => r.Operation));
        Assert.DoesNotContain(iban, viaOprf[0].ToString());
        Assert.StartsWith("token oprf1:o1:", viaOprf[1].Asked);
        Assert.StartsWith("token t1.", Assert.Single(records, r => r.Justification.StartsWith(hmacWhy)).Asked);
    }

    [Fact]
    public async Task A_batch_lookup_from_a_file_answers_each_item_and_names_bad_ones()
    {
        var (_, be, shared, iban) = await TwoCasesSharingAHandle();
        var keys = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.txt");
        File.WriteAllLines(keys, ["# identifiers from the tip line", $"account:tiktok:{shared}", $"iban:{iban}", $"email:{Unique.Handle()}@example.org", "phone:12"]);
        var batch = await hub.Run("US-HSI-C3", "lookup", "--file", keys, "--why", "batch check");
        Assert.True(batch.Code == ExitCodes.Partial, batch.ToString());
        Assert.Contains("4 asked: 2 hit, 1 no hit, 1 could not be answered", batch.Out);
        Assert.Contains(be, batch.Out);

        var csv = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.csv");
        File.WriteAllLines(csv, ["item,key", $"tip-1,account:tiktok:{shared}", $"tip-2,iban:{iban}"]);
        var blind = await hub.Run("US-HSI-C3", "--json", "lookup", "--file", csv, "--blind", "--why", "blind batch");
        Assert.True(blind.Code == ExitCodes.Ok, blind.ToString());
        var answers = blind.Json();
        Assert.Equal(["tip-1", "tip-2"], answers.Select(a => a.GetProperty("itemId").GetString()));
        Assert.All(answers, a => Assert.True(a.GetProperty("hit").GetBoolean()));
    }

    [Fact]
    public async Task The_network_is_shown_as_table_tree_dot_and_svg()
    {
        var (nl, be, shared, _) = await TwoCasesSharingAHandle();
        var table = await hub.Run("NL-TBKK", "network", "--case", nl, "--why", "analysis");
        Assert.True(table.Code == ExitCodes.Ok, table.ToString());
        Assert.Contains(be, table.Out);
        // Networks name another unit's identifiers by pseudonym, never by value; one the caller's own case holds, by its value.
        var pseudonym = CliHub.Pseudonyms.Of($"account:tiktok:{shared}");
        Assert.Contains($"account:tiktok:{shared}", table.Out);
        Assert.DoesNotContain(pseudonym, table.Out);
        var fromBe = await hub.Run("BE-FCCU", "network", "--case", be, "--why", "analysis");
        Assert.Contains($"account:tiktok:{shared}", fromBe.Out);

        var tree = await hub.Run("NL-TBKK", "network", "--key", $"account:tiktok:{shared}", "--why", "analysis", "--format", "tree");
        Assert.Contains("shared by 2 cases", tree.Out);
        Assert.Contains("BE-FCCU", tree.Out);

        var dot = await hub.Run("NL-TBKK", "network", "--case", nl, "--why", "analysis", "--format", "dot");
        Assert.StartsWith("graph suspect_network {", dot.Out);
        Assert.Contains($"\"case:BE-FCCU/{be}\" -- \"id:account:tiktok:{shared}\"", dot.Out);

        var svgPath = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.svg");
        var svg = await hub.Run("NL-TBKK", "network", "--case", nl, "--why", "analysis", "--format", "svg", "--built-in-layout", "-o", svgPath);
        Assert.True(svg.Code == ExitCodes.Ok, svg.ToString());
        var document = XDocument.Load(svgPath);
        Assert.Equal("svg", document.Root!.Name.LocalName);
        Assert.Contains(document.Descendants().Where(e => e.Name.LocalName == "text"), t => t.Value.Contains(be));

        var graphviz = await hub.Run("NL-TBKK", "network", "--case", nl, "--why", "analysis", "--format", "svg");
        Assert.True(graphviz.Code == ExitCodes.Ok, graphviz.ToString());
        Assert.Contains("<svg", graphviz.Out);
    }
}
