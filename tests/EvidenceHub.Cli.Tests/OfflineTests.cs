using System.Security.Cryptography;
using EvidenceHub.Cli.Audit;
using EvidenceHub.Cli.Demo;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Cli.Import;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Lookup;

namespace EvidenceHub.Cli.Tests;

/// What the client computes on its own: blind tokens, canonical-key checks, inclusion proofs, CSV, demo identifiers.
public sealed class OfflineTests
{
    [Fact]
    public void Blind_tokens_are_made_exactly_as_the_hub_makes_them()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var hub = new BlindTokens(new Dictionary<string, byte[]> { ["k7"] = key }, "k7");
        foreach (var identifier in new[] { "phone:+31612345678", "account:snapchat:snap_user", "email:ümlaut@example.com" })
            Assert.Equal(hub.TokenFor("k7", identifier), IdentifierKeys.BlindToken("k7", key, identifier));
    }

    [Theory]
    [InlineData("phone:+31612345678", true)]
    [InlineData("phone:0612345678", false)]
    [InlineData("phone:+31 6 12345678", false)]
    [InlineData("email:name@example.com", true)]
    [InlineData("email:Name@example.com", false)]
    [InlineData("account:snapchat:snap_user", true)]
    [InlineData("account:snapchat:@snap_user", false)]
    [InlineData("account:Snapchat:snap_user", false)]
    [InlineData("iban:NL91ABNA0417164300", true)]
    [InlineData("iban:NL91 ABNA 0417 1643 00", false)]
    [InlineData("iban:NL91ABNA0417164301", false)]
    [InlineData("wallet:eth:0x52908400098527886e0f7030069857d2e4169ee7", true)]
    [InlineData("wallet:eth:0x52908400098527886E0F7030069857D2E4169EE7", false)]
    [InlineData("ip:203.0.113.7", true)]
    [InlineData("fax:123", false)]
    public void Canonical_keys_are_told_apart_from_keys_a_blind_token_would_never_match(string key, bool canonical) =>
        Assert.Equal(canonical, IdentifierKeys.CanonicalProblem(key) is null);

    /// Each canonical key the client accepts is what the hub itself makes of the value.
    [Theory]
    [InlineData("phone:+31612345678", IdentifierKind.PhoneNumber, "+31 6 1234 5678", null)]
    [InlineData("account:snapchat:snap_user", IdentifierKind.PlatformAccount, "@Snap_User", "snap")]
    [InlineData("iban:NL91ABNA0417164300", IdentifierKind.Iban, "NL91 ABNA 0417 1643 00", null)]
    public void The_canonical_form_is_the_hubs(string key, IdentifierKind kind, string raw, string? platform)
    {
        Assert.Null(IdentifierKeys.CanonicalProblem(key));
        Assert.Equal(key, IdentifierCanonicalizer.Canonicalize(new RawIdentifier(kind, raw, platform), "NL").Identifier!.Key);
    }

    [Fact]
    public void Every_demo_identifier_is_valid_for_the_hub_and_every_victim_names_an_identifier_of_its_case()
    {
        foreach (var seed in new[] { 2024, 7, 99 })
        {
            var scenario = DemoScenario.Generate(seed);
            Assert.Equal(120, scenario.Cases.Where(c => c.Ring).Sum(c => c.Victims));
            Assert.Equal(10, scenario.Cases.Count(c => c.Ring));
            var keys = new HashSet<(string Case, string Key)>();
            foreach (var (unit, rows) in scenario.Rows)
            {
                var country = DemoScenario.ReportingUnits.Single(u => u.Id == unit).Country;
                foreach (var row in rows.Where(r => r.Get("kind").Length > 0))
                {
                    var kind = row.Get("kind") switch
                    {
                        "account" => IdentifierKind.PlatformAccount, "phone" => IdentifierKind.PhoneNumber, "iban" => IdentifierKind.Iban,
                        "wallet" => IdentifierKind.CryptoWallet, "email" => IdentifierKind.EmailAddress, var k => throw new InvalidOperationException(k),
                    };
                    var result = IdentifierCanonicalizer.Canonicalize(new RawIdentifier(kind, row.Get("value"), row.Get("platform") is { Length: > 0 } p ? p : null), country);
                    Assert.True(result.IsValid, $"seed {seed}, {unit} line {row.Line}: {row.Get("value")}: {result.Violation?.Description}");
                    keys.Add((row.Get("case"), result.Identifier.Key));
                }
                foreach (var row in rows.Where(r => r.Get("victim").Length > 0))
                    Assert.Contains((row.Get("case"), row.Get("contacted_by")), keys);
            }
            var victimCountries = scenario.Rows.Values.SelectMany(r => r).Where(r => r.Get("victim").Length > 0).Select(r => r.Get("country")).Distinct();
            Assert.Equal(6, victimCountries.Count());
        }
    }

    [Fact]
    public void The_same_seed_makes_the_same_scenario_and_another_seed_another()
    {
        string Fingerprint(int seed) => string.Join("|", DemoScenario.Generate(seed).Rows.SelectMany(u => u.Value.Select(r => string.Join(",", r.Raw))));
        Assert.Equal(Fingerprint(5), Fingerprint(5));
        Assert.NotEqual(Fingerprint(5), Fingerprint(6));
    }

    /// RFC 9162's Merkle tree hash, written out as the RFC defines it, to check the client's path verification.
    private static byte[] TreeHash(IReadOnlyList<byte[]> leaves, int from, int count)
    {
        if (count == 1) return LogProofs.LeafHash(leaves[from]);
        var k = 1;
        while (k * 2 < count) k *= 2;
        return SHA256.HashData([1, .. TreeHash(leaves, from, k), .. TreeHash(leaves, from + k, count - k)]);
    }

    private static List<byte[]> Path_(IReadOnlyList<byte[]> leaves, int m, int from, int count)
    {
        if (count == 1) return [];
        var k = 1;
        while (k * 2 < count) k *= 2;
        return m < k
            ? [.. Path_(leaves, m, from, k), TreeHash(leaves, from + k, count - k)]
            : [.. Path_(leaves, m - k, from + k, count - k), TreeHash(leaves, from, k)];
    }

    [Fact]
    public void Inclusion_paths_lead_to_the_root_for_every_leaf_of_every_tree_size_and_a_changed_leaf_does_not()
    {
        var leaves = Enumerable.Range(0, 21).Select(i => System.Text.Encoding.UTF8.GetBytes($"{{\"sequence\":{i}}}")).ToList();
        for (var size = 1; size <= leaves.Count; size++)
        {
            var root = TreeHash(leaves, 0, size);
            for (var m = 0; m < size; m++)
            {
                var path = Path_(leaves, m, 0, size);
                Assert.Equal(root, LogProofs.RootFromInclusionPath(m, size, LogProofs.LeafHash(leaves[m]), path));
                var forged = LogProofs.RootFromInclusionPath(m, size, LogProofs.LeafHash([.. leaves[m], 0x20]), path);
                Assert.NotEqual(root, forged);
                if (size > 1) Assert.Null(LogProofs.RootFromInclusionPath(m, size, LogProofs.LeafHash(leaves[m]), [.. path, root]));
            }
        }
    }

    [Fact]
    public void Csv_reads_quotes_commas_and_line_breaks_and_keeps_each_records_first_line()
    {
        var records = Csv.Read(new StringReader("case,value\r\nA,\"x, \"\"y\"\"\"\n\nB,\"two\nlines\"\nC,last")).ToList();
        Assert.Equal([1, 2, 4, 6], records.Select(r => r.Line));
        Assert.Equal("x, \"y\"", records[1].Fields[1]);
        Assert.Equal("two\nlines", records[2].Fields[1]);
        Assert.Equal("\"x, \"\"y\"\"\"", Csv.Quote("x, \"y\""));
    }

    [Fact]
    public void An_import_opens_its_cases_without_a_case_id_and_names_them_by_reference()
    {
        ImportRow Row(int line, string caseKey, string value) =>
            new(line, [caseKey, value], new Dictionary<string, string> { ["case"] = caseKey, ["kind"] = "email", ["value"] = value });
        var existing = Guid.NewGuid().ToString();
        var plan = ImportPlan.Build([Row(2, "TBKK-1", "a@example.com"), Row(3, "TBKK-1", "b@example.com"), Row(4, existing, "c@example.com")], "NL-TBKK",
            _ => new CaseSpec(Contracts.V1.OffenceType.Sextortion, new Contracts.V1.SharingPolicy { Tlp = Contracts.V1.Tlp.Green, HandlingCode = Contracts.V1.HandlingCode.H0 }));

        // One open, without an id: the hub assigns a random one, so no other unit can predict it and take it first.
        var open = Assert.Single(plan.Commands, c => c.Command.CommandCase == Contracts.V1.SyncCommand.CommandOneofCase.OpenCase).Command.OpenCase;
        Assert.Equal(("", "TBKK-1"), (open.CaseId, open.Reference));
        var adds = plan.Commands.Where(c => c.Command.CommandCase == Contracts.V1.SyncCommand.CommandOneofCase.AddSuspectIdentifier)
            .Select(c => c.Command.AddSuspectIdentifier).ToList();
        Assert.Equal([("", "TBKK-1"), ("", "TBKK-1"), (existing, "")], adds.Select(a => (a.CaseId, a.CaseReference)));
        // The same rows plan the same command ids (a re-run is answered as replays).
        var again = ImportPlan.Build([Row(2, "TBKK-1", "a@example.com")], "NL-TBKK", _ => new CaseSpec(Contracts.V1.OffenceType.Sextortion, new Contracts.V1.SharingPolicy()));
        Assert.Equal(plan.Commands[0].Command.OpenCase.CommandId, again.Commands[0].Command.OpenCase.CommandId);
        Assert.Equal(adds[0].CommandId, again.Commands[1].Command.AddSuspectIdentifier.CommandId);
    }

    [Fact]
    public void Command_ids_are_derived_not_invented()
    {
        Assert.Equal(Ids.CommandId("add", "a", "b"), Ids.CommandId("add", "a", "b"));
        Assert.NotEqual(Ids.CommandId("add", "a", "b"), Ids.CommandId("add", "ab", ""));
        Assert.Matches("^[A-Za-z0-9_.:/-]{1,128}$", Ids.CommandId("add", "x"));
    }

    [Fact]
    public void Settings_come_from_options_then_environment_then_the_config_file()
    {
        var directory = Directory.CreateTempSubdirectory("evidencehub-config-").FullName;
        try
        {
            var config = Path.Combine(directory, "config.json");
            File.WriteAllText(config, """{ "hub": "https://hub.example:5443", "unit": "BE-FCCU", "certs": "certs", "user": "from.config" }""");
            var environment = new Dictionary<string, string> { ["EVIDENCEHUB_CONFIG"] = config, ["EVIDENCEHUB_USER"] = "from.env" };
            var terminal = new Terminal(TextWriter.Null, TextWriter.Null, n => environment.GetValueOrDefault(n), false);
            var settings = HubSettings.Resolve(new HubSettings.Given(null, "NL-TBKK", null, null, null, null, null, null, null, null), terminal);
            Assert.Equal(new Uri("https://hub.example:5443"), settings.Hub);
            Assert.Equal("NL-TBKK", settings.Unit);
            Assert.Equal("from.env", settings.User);
            Assert.Equal(Path.Combine(directory, "certs"), settings.CertificatesDirectory);
            Assert.Throws<UsageException>(() => HubSettings.Resolve(new HubSettings.Given("ftp://x", null, null, null, null, null, null, null, null, null), terminal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Every_kind_of_feed_item_has_words_of_its_own()
    {
        var items = new EvidenceHub.Contracts.V1.FeedItem[]
        {
            new() { Restriction = new() { OwnerUnit = "NL-TBKK", CaseReference = "TBKK-1", IdentifierKeys = { "iban:NL91ABNA0417164300" }, YourCaseIds = { "c1" } } },
            new() { Restriction = new() { OwnerUnit = "NL-TBKK", CaseReference = "TBKK-1", WholeCase = true, Lifted = true } },
            new() { Regrading = new() { IdentifierKey = "iban:DE89370400440532013000", RegradingUnit = "DE-BKA", Reason = "bank records", YourCaseId = "c2",
                Grading = new() { SourceReliability = EvidenceHub.Contracts.V1.SourceReliability.A, InformationCredibility = EvidenceHub.Contracts.V1.InformationCredibility.KnownTrueWithoutReservation, Nature = EvidenceHub.Contracts.V1.InformationNature.Fact } } },
            new() { Correction = new() { IdentifierKey = "phone:+31600000000", CorrectingUnit = "NL-TBKK", Reason = "typo", YourCaseId = "c3", ReplacementKey = "phone:+31600000001" } },
        };
        var said = items.Select(Commands.FeedCommand.Describe).ToList();
        Assert.DoesNotContain(said, line => line.Contains("does not know"));
        Assert.Contains("RESTRICTED NL-TBKK case TBKK-1 (iban:NL91ABNA0417164300)", said[0]);
        Assert.Contains("RESTRICTION LIFTED NL-TBKK case TBKK-1 (the whole case)", said[1]);
        Assert.Contains("REGRADED iban:DE89370400440532013000", said[2]);
        Assert.Contains("the right one is phone:+31600000001", said[3]);
        // Every oneof case the contract has is described: a new feed item without words fails here.
        foreach (var kind in Enum.GetValues<EvidenceHub.Contracts.V1.FeedItem.ItemOneofCase>().Where(k => k != EvidenceHub.Contracts.V1.FeedItem.ItemOneofCase.None))
        {
            var item = new EvidenceHub.Contracts.V1.FeedItem();
            var field = EvidenceHub.Contracts.V1.FeedItem.Descriptor.Oneofs[0].Fields.Single(f => f.FieldNumber == (int)kind);
            var notice = (Google.Protobuf.IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
            // The hub always fills a notice's own messages (the other case's disclosure, ...): so does the test.
            foreach (var inner in field.MessageType.Fields.InFieldNumberOrder().Where(f => f.FieldType == Google.Protobuf.Reflection.FieldType.Message && !f.IsRepeated))
                inner.Accessor.SetValue(notice, Activator.CreateInstance(inner.MessageType.ClrType));
            field.Accessor.SetValue(item, notice);
            Assert.DoesNotContain("does not know", Commands.FeedCommand.Describe(item));
        }
    }
}
