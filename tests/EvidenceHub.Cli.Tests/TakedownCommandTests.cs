using System.Text.RegularExpressions;
using EvidenceHub.Cli.Tests.Infrastructure;

namespace EvidenceHub.Cli.Tests;

/// `evidencehub takedown …` against a real hub: a unit files, the provider reads its feed and answers, the unit reads
/// the answers in its feed and the request's history.
public sealed partial class TakedownCommandTests(CliHub hub) : IClassFixture<CliHub>
{
    [GeneratedRegex(@"takedown request ([0-9a-f-]{36})")]
    private static partial Regex RequestId();

    [Fact]
    public async Task A_unit_files_the_provider_sees_it_in_its_feed_and_answers_and_the_unit_reads_each_step()
    {
        var reference = Unique.Reference("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "red");
        var file = Path.Combine(Directory.CreateTempSubdirectory("evidencehub-takedown-").FullName, "seized.bin");
        File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        Assert.Equal(0, (await hub.Run("NL-TBKK", "media", "add", reference, file, "--category", "2")).Code);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));

        var filed = await hub.Run("NL-TBKK", "takedown", "file", reference, sha, "--provider", CliHub.Provider, "--url", "https://files.hoster.example/x.jpg", "--note", "please remove");
        Assert.True(filed.Code == ExitCodes.Ok, filed.ToString());
        var id = RequestId().Match(filed.Out).Groups[1].Value;
        Assert.StartsWith($"Filed takedown request {id} to {CliHub.Provider}", filed.Out);

        await hub.ProjectionsCaughtUp();
        var feed = await hub.Run(CliHub.Provider, "feed", "--no-state");
        Assert.Contains($"TAKEDOWN REQUEST {id} from NL-TBKK (NL): 1 media record(s) at https://files.hoster.example/x.jpg, \"please remove\"", feed.Out);
        Assert.DoesNotContain(reference, feed.Out);
        Assert.Contains(sha, (await hub.Run(CliHub.Provider, "--json", "takedown", "notice", id)).Out);
        Assert.Contains($"is now acknowledged", (await hub.Run(CliHub.Provider, "takedown", "ack", id, "--note", "ticket 7")).Out);
        Assert.Contains($"is now removed", (await hub.Run(CliHub.Provider, "takedown", "removed", id)).Out);
        var again = await hub.Run(CliHub.Provider, "takedown", "refuse", id, "--reason", "too late");
        Assert.NotEqual(ExitCodes.Ok, again.Code);

        await hub.ProjectionsCaughtUp();
        var told = await hub.Run("NL-TBKK", "feed", "--no-state");
        Assert.Contains($"TAKEDOWN ACKNOWLEDGED by {CliHub.Provider}: request {id} for your case {reference}", told.Out);
        Assert.Contains($"TAKEDOWN REMOVED by {CliHub.Provider}: request {id}", told.Out);
        var shown = await hub.Run("NL-TBKK", "takedown", "show", id, "--why", "follow-up of takedowns");
        Assert.True(shown.Code == ExitCodes.Ok, shown.ToString());
        foreach (var step in new[] { "filed", "acknowledged", "removed", "ticket 7" }) Assert.Contains(step, shown.Out);
        Assert.Contains(id, (await hub.Run("NL-TBKK", "takedown", "list", "--why", "follow-up of takedowns", "--case", reference)).Out);
    }

    [Fact]
    public async Task A_unit_withdraws_its_request_the_provider_sees_the_withdrawal_and_its_answers_retry_under_a_command_id()
    {
        var reference = Unique.Reference("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "red");
        var file = Path.Combine(Directory.CreateTempSubdirectory("evidencehub-takedown-").FullName, "seized.bin");
        File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        Assert.Equal(0, (await hub.Run("NL-TBKK", "media", "add", reference, file, "--category", "2")).Code);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        var id = RequestId().Match((await hub.Run("NL-TBKK", "takedown", "file", reference, sha, "--provider", CliHub.Provider)).Out).Groups[1].Value;

        var ack = await hub.Run(CliHub.Provider, "takedown", "ack", id, "--command-id", "ack-" + id);
        Assert.Contains("is now acknowledged", ack.Out);
        Assert.Contains("replayed", (await hub.Run(CliHub.Provider, "takedown", "ack", id, "--command-id", "ack-" + id)).Out);

        Assert.NotEqual(ExitCodes.Ok, (await hub.Run("NL-TBKK", "takedown", "withdraw", reference, id)).Code);
        var withdrawn = await hub.Run("NL-TBKK", "takedown", "withdraw", reference, id, "--reason", "filed in error");
        Assert.True(withdrawn.Code == ExitCodes.Ok, withdrawn.ToString());
        Assert.Contains($"Withdrew takedown request {id}", withdrawn.Out);

        await hub.ProjectionsCaughtUp();
        Assert.Contains($"TAKEDOWN WITHDRAWN {id} from NL-TBKK (NL): \"filed in error\"", (await hub.Run(CliHub.Provider, "feed", "--no-state")).Out);
        Assert.Contains("withdrawn", (await hub.Run(CliHub.Provider, "takedown", "notice", id)).Out);
        Assert.NotEqual(ExitCodes.Ok, (await hub.Run(CliHub.Provider, "takedown", "removed", id)).Code);
        var shown = await hub.Run("NL-TBKK", "takedown", "show", id, "--why", "follow-up of takedowns");
        foreach (var step in new[] { "withdrawn", "filed in error" }) Assert.Contains(step, shown.Out);
    }
}
