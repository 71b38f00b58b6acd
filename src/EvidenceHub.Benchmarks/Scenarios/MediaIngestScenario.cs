using System.Security.Cryptography;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 1b. A unit syncs media records (PDQ with its quality, file hashes; near-match correlation on) across its cases,
/// beside exact-hash identifier ingest (AddSuspectIdentifier of a SHA-256) on as many fresh cases, in the same run and
/// the same order: the issue asks that correlation on insert keep media ingest at half of exact-hash ingest or more.
/// Rates count commands: a media record (four hashes, each an identifier, and the record) against one identifier.
public sealed class MediaIngestScenario(BenchContext bench)
{
    public async Task Run()
    {
        var sizes = bench.Sizes;
        // Fewer cases than the identifier ingest: a media collection is large (500 records a case), and what a case's
        // records cost the case grows with them.
        var cases = Math.Max(10, sizes.IngestCases / 10);
        var commands = Math.Max(1_000, sizes.IngestCommands / 2);
        await Sync(5, 500, Media);

        var exact = await Sync(cases, commands, ExactHash);
        var media = await Sync(cases, commands, Media);
        var ratio = media.Rate.Value / exact.Rate.Value;
        bench.Report.Add(new ResultRow("Ingest: Sync of AddMedia (SHA-256, SHA-1, MD5, PDQ; near-match on), interleaved")
        {
            Hub = media.Rate, Baseline = exact.Rate, BaselineName = "Sync of AddSuspectIdentifier (SHA-256), same run, same order",
            P50Ms = media.Outcome.Latencies.Percentile(50), P99Ms = media.Outcome.Latencies.Percentile(99),
            BaselineP50Ms = exact.Outcome.Latencies.Percentile(50), BaselineP99Ms = exact.Outcome.Latencies.Percentile(99),
            Note = $"{commands:N0} commands each over {cases:N0} cases; background work settled {media.Settled.TotalSeconds:F1} s after the media",
        });
        bench.Report.Goal("Media ingest (near-match on) ≥ 50% of exact-hash ingest",
            $"{ratio:P0} ({Report.Number(media.Rate.Value)} media/s vs {Report.Number(exact.Rate.Value)} identifiers/s)", ratio >= 0.5);
    }

    private sealed record Measured(Figure Rate, SyncOutcome Outcome, TimeSpan Settled);

    private async Task<Measured> Sync(int caseCount, int count, Func<Guid, SyncCommand> command)
    {
        var cases = await bench.OpenCases(RunningHub.UnitA, caseCount);
        var batch = Enumerable.Range(0, count).Select(i => command(cases[i % cases.Count])).ToList();
        Progress.Say($"media ingest: Sync of {batch.Count:N0} {batch[0].CommandCase} over {cases.Count:N0} cases");
        var outcome = await SyncStream.Run(bench.Hub.Cases(RunningHub.UnitA), batch);
        if (outcome.Failed > 0) throw new InvalidOperationException($"Media ingest: {outcome.Failures}");
        var settled = await bench.Settled();
        return new Measured(new Figure(outcome.Succeeded / outcome.Elapsed.TotalSeconds, "commands/s"), outcome, settled);
    }

    private static SyncCommand ExactHash(Guid caseId) => new()
    {
        AddSuspectIdentifier = new AddSuspectIdentifierRequest
        {
            CommandId = Guid.NewGuid().ToString(), CaseId = caseId.ToString(),
            Identifier = new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.FileHashSha256, Value = Hex(32) },
        },
    };

    private static SyncCommand Media(Guid caseId) => new()
    {
        AddMedia = new AddMediaRequest
        {
            CommandId = Guid.NewGuid().ToString(), CaseId = caseId.ToString(),
            Sha256 = Hex(32), Sha1 = Hex(20), Md5 = Hex(16), Pdq = Hex(32), PdqQuality = 90, Category = 1, Distributed = true,
        },
    };

    private static string Hex(int bytes) => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();
}
