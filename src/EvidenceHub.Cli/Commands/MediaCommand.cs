using System.CommandLine;
using EvidenceHub.Cli.Import;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Media.Pdq;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub media add CASE FILES…`: media records by their hashes. SHA-256, SHA-1, MD5 and PDQ are computed here,
/// so the image never leaves the unit; only the hashes go to the hub, in one Sync stream.
public static class MediaCommand
{
    /// Meta's floor, and the hub's default (Media:MinQuality): a PDQ hash below it is not sent.
    public const int MinQuality = 50;

    public static Command Build(CliApp app)
    {
        var media = new Command("media", "Media records: image and video hashes, computed locally");
        media.Add(Add(app));
        return media;
    }

    private static Command Add(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var files = new Argument<string[]>("files") { Description = "Image or video files (hashed here; never sent)", Arity = ArgumentArity.OneOrMore };
        var category = new Option<int>("--category") { Description = "VICS category (0 non-pertinent, 1 CAM, ...)", DefaultValueFactory = _ => 1 };
        var victimIdentified = new Option<bool>("--victim-identified") { Description = "The victim shown is identified" };
        var offenderIdentified = new Option<bool>("--offender-identified") { Description = "The offender shown is identified" };
        var distributed = new Option<bool>("--distributed") { Description = "The material was distributed" };
        var victim = new Option<string?>("--victim") { Description = "The victim reference (linked to the case) the media shows" };
        var providerFilter = new Option<bool>("--provider-filter") { Description = "The hashes may be given to hosting parties to filter this material (they learn only: known, and the category)" };
        var command = new Command("add", "Hash files locally (SHA-256, SHA-1, MD5, PDQ) and add them to a case as media records")
            { caseArgument, files, category, victimIdentified, offenderIdentified, distributed, victim, providerFilter };
        app.Handle(command, async (run, cancellation) =>
        {
            var (caseId, reference) = Common.Case(run.Get(caseArgument));
            var paths = run.Get(files)!;
            foreach (var path in paths)
                if (!File.Exists(path)) throw new UsageException($"files: {path} does not exist");
            using var hub = run.Connect();
            var notes = new List<string>();
            AddMediaRequest Hash(string path)
            {
                var hashes = FileHashes.Of(path);
                var request = new AddMediaRequest
                {
                    CaseId = caseId, CaseReference = reference, Sha256 = hashes.Sha256, Sha1 = hashes.Sha1, Md5 = hashes.Md5,
                    Category = run.Get(category), VictimIdentified = run.Get(victimIdentified), OffenderIdentified = run.Get(offenderIdentified),
                    Distributed = run.Get(distributed), VictimReference = run.Get(victim) ?? "", ProviderFilter = run.Get(providerFilter),
                    // From the content: a re-run sends the same commands, and the hub answers them as replays.
                    CommandId = Ids.CommandId("media", hub.Unit, caseId + reference, hashes.Sha256),
                };
                try
                {
                    var pdq = PdqHasher.Hash(path);
                    // Sent without PDQ (the file hashes still match exact copies): a low-quality hash matches unrelated images.
                    if (pdq.Quality >= MinQuality) (request.Pdq, request.PdqQuality) = (pdq.Hash.ToString(), pdq.Quality);
                    else notes.Add($"{path}: PDQ quality {pdq.Quality} is below {MinQuality} (a flat or tiny image); sent with file hashes only");
                }
                catch (Exception e) when (e is FormatException or InvalidDataException or NotSupportedException or ArgumentException)
                {
                    notes.Add($"{path}: not an image PDQ can read ({e.Message}); sent with file hashes only");
                }
                return request;
            }

            var commands = new List<PlannedCommand>();
            SyncRunner.Outcome[] outcomes = [];
            if (!run.Terminal.Interactive || run.Output.Json)
            {
                commands.AddRange(paths.Select(p => new PlannedCommand(new SyncCommand { AddMedia = Hash(p) }, null, caseId + reference)));
                outcomes = await SyncRunner.Run(hub, commands, null, cancellation);
            }
            else
            {
                await run.Terminal.ProgressScreen().Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var hashing = context.AddTask("hashing locally", maxValue: paths.Length);
                        foreach (var path in paths)
                        {
                            commands.Add(new PlannedCommand(new SyncCommand { AddMedia = Hash(path) }, null, caseId + reference));
                            hashing.Increment(1);
                        }
                        var sending = context.AddTask($"sending to the hub as {hub.Unit}", maxValue: commands.Count);
                        outcomes = await SyncRunner.Run(hub, commands, done => sending.Value = done, cancellation);
                    });
            }
            foreach (var note in notes) run.Output.Note(note);
            var refused = 0;
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i].Error is { } error)
                {
                    refused++;
                    run.Output.Line($"{paths[i]}: refused: {error.Message}");
                }
            }
            var correlations = outcomes.Sum(o => o.Result?.Correlations ?? 0);
            run.Output.Line($"{outcomes.Length - refused} media records added to {run.Get(caseArgument)} ({refused} refused); new correlations: {correlations}.");
            return refused == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        });
        return command;
    }
}
