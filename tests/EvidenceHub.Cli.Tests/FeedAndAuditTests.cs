using EvidenceHub.Cli.Tests.Infrastructure;

namespace EvidenceHub.Cli.Tests;

public sealed class FeedAndAuditTests(CliHub hub) : IClassFixture<CliHub>
{
    /// Runs the command until its output satisfies the condition: the log is written a moment after the change that
    /// causes it, by the log writer (not a projection: nothing to wait on but the answer).
    private async Task<CliRun> Eventually(string unit, string[] args, Func<CliRun, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var run = await hub.Run(unit, args);
            if (done(run) || DateTime.UtcNow > deadline) return run;
            await Task.Delay(200);
        }
    }

    private async Task<(string Nl, string Be, string Key)> Correlated()
    {
        var (nl, be, handle) = (Unique.Reference("NL"), Unique.Reference("BE"), Unique.Handle());
        await hub.Run("NL-TBKK", "cases", "open", "--reference", nl, "--offence", "sextortion", "--tlp", "amber", "--partner", "BE-FCCU"); // AMBER: told only to the units it lists
        await hub.Run("NL-TBKK", "cases", "add-identifier", nl, "--key", $"account:discord:{handle}");
        await hub.Run("BE-FCCU", "cases", "open", "--reference", be, "--offence", "sextortion", "--tlp", "green");
        await hub.Run("BE-FCCU", "cases", "add-identifier", be, "--key", $"account:discord:{handle}");
        return (nl, be, $"account:discord:{handle}");
    }

    [Fact]
    public async Task Narrowing_a_case_shows_in_the_feed_of_the_partner_whose_lookup_disclosed_it()
    {
        var (reference, handle) = (Unique.Reference("NL"), Unique.Handle());
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "green");
        await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--key", $"account:discord:{handle}");
        var state = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.position");
        await hub.ProjectionsCaughtUp();
        await hub.Run("US-HSI-C3", "feed", "--state", state);
        Assert.Contains("HIT", (await hub.Run("US-HSI-C3", "lookup", "--key", $"account:discord:{handle}", "--why", "CyberTip 3")).Out);

        var changed = await hub.Run("NL-TBKK", "cases", "policy", reference, "--tlp", "red", "--reason", "informant at risk");
        Assert.True(changed.Code == ExitCodes.Ok, changed.ToString());
        Assert.Contains("TLP:RED", changed.Out);
        await hub.ProjectionsCaughtUp();
        var feed = await hub.Run("US-HSI-C3", "feed", "--state", state);
        // The partner asked about the account by value: its notice names it so.
        Assert.Contains($"SHARING NARROWED NL-TBKK case {reference} (account:discord:{handle}): you may no longer use anything you learned of it (\"informant at risk\")", feed.Out);
    }

    [Fact]
    public async Task The_feed_shows_a_correlation_once_and_remembers_where_it_was()
    {
        var state = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.position");
        // Start after everything other tests already put in NL-TBKK's feed.
        var start = await hub.Run("NL-TBKK", "--json", "feed", "--state", state);
        Assert.True(start.Code == ExitCodes.Ok, start.ToString());

        var (_, be, key) = await Correlated();
        await hub.ProjectionsCaughtUp();
        var first = await hub.Run("NL-TBKK", "feed", "--state", state);
        Assert.Contains("CORRELATION", first.Out);
        Assert.Contains(be, first.Out);
        var position = long.Parse(File.ReadAllText(state).Trim());
        Assert.True(position > 0);

        var again = await hub.Run("NL-TBKK", "feed", "--state", state);
        Assert.DoesNotContain(key, again.Out);
        Assert.Contains("Nothing new", again.Error);

        var replay = await hub.Run("NL-TBKK", "--json", "feed", "--no-state", "--from", (position - 1).ToString());
        Assert.Contains(replay.Json(), item => long.Parse(item.GetProperty("position").GetString()!) == position);
    }

    [Fact]
    public async Task Following_the_feed_prints_new_items_until_interrupted_and_saves_the_position()
    {
        var state = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.position");
        await hub.Run("BE-FCCU", "feed", "--state", state);
        var before = File.Exists(state) ? long.Parse(File.ReadAllText(state).Trim()) : 0;

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var following = hub.Run("BE-FCCU", ["feed", "--follow", "--state", state], stop.Token);
        var (nl, _, key) = await Correlated();
        // Other tests add to BE-FCCU's feed too: wait until this correlation is in it, then until the follower saved it.
        await hub.ProjectionsCaughtUp();
        var seen = await hub.Run("BE-FCCU", "--json", "feed", "--no-state", "--from", before.ToString());
        var position = seen.Json().Where(i => i.ToString().Contains(key)).Select(i => long.Parse(i.GetProperty("position").GetString()!)).First();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (!File.Exists(state) || long.Parse(File.ReadAllText(state).Trim()) < position)) await Task.Delay(100);
        await stop.CancelAsync();
        var run = await following;
        Assert.True(run.Code == ExitCodes.Ok, run.ToString());
        Assert.Contains(key, run.Out);
        Assert.Contains(nl, run.Out);
        Assert.True(long.Parse(File.ReadAllText(state).Trim()) > before);
    }

    [Fact]
    public async Task An_auditor_replays_a_case_sees_it_as_of_a_version_and_reads_the_access_log()
    {
        var (nl, _, key) = await Correlated();
        var caseId = await hub.CaseIdOf("NL-TBKK", nl);
        await hub.Run("NL-TBKK", "cases", "show", nl, "--why", "preparing the CLI audit test");

        var replay = await hub.Run(CliHub.Auditor, "audit", "replay", caseId, "--why", "supervision");
        Assert.True(replay.Code == ExitCodes.Ok, replay.ToString());
        Assert.Contains("case_opened", replay.Out);
        Assert.Contains("suspect_identifier_added", replay.Out);
        Assert.Contains("test.analyst", replay.Out);

        var json = await hub.Run(CliHub.Auditor, "--json", "audit", "replay", caseId, "--why", "supervision");
        Assert.Equal([1L, 2L], json.Json().Select(e => long.Parse(e.GetProperty("version").GetString()!)).Take(2));

        var asOf = await hub.Run(CliHub.Auditor, "--json", "audit", "as-of", caseId, "--version", "1", "--why", "supervision");
        Assert.True(asOf.Code == ExitCodes.Ok, asOf.ToString());
        Assert.Equal(0, asOf.Json()[0].GetProperty("identifiers").GetArrayLength());
        var now = await hub.Run(CliHub.Auditor, "--json", "audit", "as-of", caseId, "--at", DateTimeOffset.UtcNow.ToString("O"), "--why", "supervision");
        Assert.Equal(key, now.Json()[0].GetProperty("identifiers")[0].GetProperty("key").GetString());

        var log = await hub.Run(CliHub.Auditor, "--json", "audit", "access-log", "--case", caseId, "--why", "supervision");
        Assert.True(log.Code == ExitCodes.Ok, log.ToString());
        Assert.Contains(log.Json(), r => r.GetProperty("operation").GetString() == "GetCase"
                                         && r.GetProperty("justification").GetString() == "preparing the CLI audit test"
                                         && r.GetProperty("user").GetString() == "test.analyst");

        var owner = await hub.Run("NL-TBKK", "audit", "replay", nl, "--why", "own case");
        Assert.Equal(ExitCodes.Ok, owner.Code);
        var partner = await hub.Run("US-HSI-C3", "audit", "replay", caseId, "--why", "curious");
        Assert.Equal(ExitCodes.NotAllowed, partner.Code);
        var notAuditor = await hub.Run("NL-TBKK", "audit", "access-log", "--why", "curious");
        Assert.Equal(ExitCodes.NotAllowed, notAuditor.Code);
    }

    /// More identifiers than one page (Limits:Answers:CasePageSize, 1,000): the CLI follows the pages.
    [Fact]
    public async Task As_of_shows_a_hash_list_case_whole_across_pages()
    {
        var reference = Unique.Reference("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "green");
        var caseId = await hub.CaseIdOf("NL-TBKK", reference);
        using var nl = hub.Connect("NL-TBKK");
        using (var import = nl.Cases.ImportMedia())
        {
            string Hex(int bytes) => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));
            await import.RequestStream.WriteAsync(new Contracts.V1.MediaBatch
            {
                BatchId = Guid.NewGuid().ToString(), CaseId = caseId, FirstRow = 1,
                Rows = { Enumerable.Range(0, 600).Select(_ => new Contracts.V1.MediaRow { Sha256 = Hex(32), Md5 = Hex(16), Category = 1 }) },
            });
            await import.RequestStream.CompleteAsync();
            while (await import.ResponseStream.MoveNext(CancellationToken.None)) { }
        }

        var asOf = await hub.Run(CliHub.Auditor, "--json", "audit", "as-of", caseId, "--version", "2", "--why", "supervision");

        Assert.True(asOf.Code == ExitCodes.Ok, asOf.ToString());
        var keys = asOf.Json()[0].GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("key").GetString()).ToList();
        Assert.Equal(1200, keys.Distinct().Count());
    }

    [Fact]
    public async Task An_auditor_checks_a_checkpoint_the_log_and_an_inclusion_proof_locally()
    {
        var (nl, _, _) = await Correlated();
        var caseId = await hub.CaseIdOf("NL-TBKK", nl);
        var key = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.pem");

        // The log trails the store by a moment: wait until the case's second event has a position and is signed.
        var proof = await Eventually(CliHub.Auditor, ["audit", "prove", "--case", caseId, "--version", "2", "--why", "spot check"], r => r.Code == ExitCodes.Ok);
        Assert.True(proof.Code == ExitCodes.Ok, proof.ToString());
        Assert.Contains("Proven", proof.Out);
        Assert.Contains("event data", proof.Out);

        var checkpoint = await hub.Run(CliHub.Auditor, "audit", "checkpoint", "--why", "pin the key", "--save-key", key);
        Assert.True(checkpoint.Code == ExitCodes.Ok, checkpoint.ToString());
        Assert.Contains("valid", checkpoint.Out);
        var pinned = await hub.Run(CliHub.Auditor, "--json", "audit", "prove", "--position", "0", "--why", "pinned check", "--trust-key", key);
        Assert.True(pinned.Code == ExitCodes.Ok, pinned.ToString());
        Assert.True(pinned.Json()[0].GetProperty("keyPinned").GetBoolean());

        // A key the hub never used: the checkpoint is refused.
        using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var strangerKey = Path.Combine(hub.Root, $"{Guid.NewGuid():N}.pem");
        File.WriteAllText(strangerKey, stranger.ExportSubjectPublicKeyInfoPem());
        var refused = await hub.Run(CliHub.Auditor, "audit", "checkpoint", "--why", "pinned check", "--trust-key", strangerKey);
        Assert.Equal(ExitCodes.Negative, refused.Code);
        Assert.Contains("different key", refused.Out);

        var verified = await hub.Run(CliHub.Auditor, "audit", "verify", "--why", "monthly check");
        Assert.True(verified.Code == ExitCodes.Ok, verified.ToString());
        Assert.Contains("Log intact", verified.Out);
    }
}
