using System.CommandLine;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub hashes check FILE`: a hosting party (role provider) checks the hashes of uploads, one a line, through
/// HashCheckService. It learns per hash only known or not, the category and for PDQ the distance.
public static class HashesCommand
{
    /// The hub's default Limits:HashCheck:MaxQuestionsPerCall: the file is sent in calls of this many.
    public const int PerCall = 1_000;

    public static Command Build(CliApp app)
    {
        var hashes = new Command("hashes", "Hash checks for hosting parties (role provider)");
        hashes.Add(Check(app));
        return hashes;
    }

    private static Command Check(CliApp app)
    {
        var file = new Argument<string>("file") { Description = "One hash a line: sha256:, sha1:, md5: or pdq: and hex (bare hex of 64, 40 or 32 digits is read as SHA-256, SHA-1, MD5); # starts a comment" };
        var command = new Command("check", "Is this material known? One answer per hash: known (with its category, and for PDQ the distance) or not. Exit code 0 when any is known, 1 when none is") { file };
        app.Handle(command, async (run, cancellation) =>
        {
            var path = run.Get(file)!;
            if (!File.Exists(path)) throw new UsageException($"file: no file {path}");
            var lines = File.ReadAllLines(path).Select((text, i) => (Text: text.Trim(), Line: i + 1)).Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#')).ToList();
            if (lines.Count == 0) throw new UsageException($"file: {path} holds no hashes");
            var questions = lines.Select(l => Question(l.Text, l.Line)).ToList();
            using var hub = run.Connect();
            var answers = new List<HashAnswer>();
            foreach (var chunk in questions.Chunk(PerCall))
            {
                var reply = await hub.HashChecks.CheckHashesAsync(new CheckHashesRequest { Questions = { chunk } }, deadline: hub.Deadline, cancellationToken: cancellation);
                answers.AddRange(reply.Answers);
            }
            for (var i = 0; i < answers.Count; i++)
            {
                if (run.Output.Json) { run.Output.Message(answers[i]); continue; }
                var answer = answers[i];
                run.Output.Line(answer.Known
                    ? $"{lines[i].Text}: KNOWN, category {answer.Category}{(answer.HasDistance ? $", distance {answer.Distance}" : "")}"
                    : $"{lines[i].Text}: not known");
            }
            var known = answers.Count(a => a.Known);
            if (!run.Output.Json) run.Output.Line($"{answers.Count} checked: {known} known, {answers.Count - known} not known.");
            return known > 0 ? ExitCodes.Ok : ExitCodes.Negative;
        });
        return command;
    }

    private static HashQuestion Question(string text, int line)
    {
        var colon = text.IndexOf(':');
        var (prefix, hex) = colon < 0 ? ("", text) : (text[..colon].ToLowerInvariant(), text[(colon + 1)..]);
        return prefix switch
        {
            "sha256" or "sha-256" => new HashQuestion { Sha256 = hex },
            "sha1" or "sha-1" => new HashQuestion { Sha1 = hex },
            "md5" => new HashQuestion { Md5 = hex },
            "pdq" => new HashQuestion { Pdq = hex },
            "" when hex.Length == 64 => new HashQuestion { Sha256 = hex },
            "" when hex.Length == 40 => new HashQuestion { Sha1 = hex },
            "" when hex.Length == 32 => new HashQuestion { Md5 = hex },
            _ => throw new UsageException($"line {line}: '{text}' is not a hash (sha256:, sha1:, md5: or pdq: and hex)"),
        };
    }
}
