using System.Security.Cryptography;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 1b. What correlation on insert costs media ingest: a unit syncs media records across its cases, once with a PDQ hash
/// each (near-match correlation on) and once with a SHA-256 each (exact-hash correlation), in the same run, the same
/// order and the same shape (a SHA-256 of its own, the hash that may match and the record per command), one record in
/// ten matching an earlier record of another case (a PDQ hash at a small Hamming distance, or an MD5 exactly): the issue asks that near-match correlation keep media
/// ingest at half of exact-hash ingest or more. Beside it, as a diagnostic, records with all four hashes against
/// identifier ingest (AddSuspectIdentifier of a SHA-256): a four-hash record appends five events where an identifier
/// appends one, so that ratio is about the record's size, not about correlation.
public sealed class MediaIngestScenario(BenchContext bench)
{
    public async Task Run()
    {
        var sizes = bench.Sizes;
        // Fewer cases than the identifier ingest: a media collection is large (500 records a case), and what a case's
        // records cost the case grows with them.
        var cases = Math.Max(10, sizes.IngestCases / 10);
        var commands = Math.Max(1_000, sizes.IngestCommands / 2);
        await Sync(5, 500, (caseId, i) => Media(caseId));

        var exactMedia = await Sync(cases, commands, OneHash(pdq: false));
        var nearMedia = await Sync(cases, commands, OneHash(pdq: true));
        var ratio = nearMedia.Rate.Value / exactMedia.Rate.Value;
        bench.Report.Add(Row("Ingest: Sync of AddMedia, SHA-256 + PDQ (near-match on), interleaved", nearMedia,
            exactMedia, "Sync of AddMedia, SHA-256 + MD5 (exact match), same run, same order",
            $"{commands:N0} commands each over {cases:N0} cases, one in ten matching another case's record; " +
            $"{nearMedia.Correlations:N0} near-match and {exactMedia.Correlations:N0} exact correlations; background work settled {nearMedia.Settled.TotalSeconds:F1} s after"));
        bench.Report.Goal("Media ingest (near-match on) ≥ 50% of exact-hash ingest",
            $"{ratio:P0} ({Report.Number(nearMedia.Rate.Value)} vs {Report.Number(exactMedia.Rate.Value)} media/s)", ratio >= 0.5);

        var exact = await Sync(cases, commands, (caseId, i) => ExactHash(caseId));
        var media = await Sync(cases, commands, (caseId, i) => Media(caseId));
        bench.Report.Add(Row("Ingest, diagnostic: Sync of AddMedia (SHA-256, SHA-1, MD5, PDQ; near-match on), interleaved", media,
            exact, "Sync of AddSuspectIdentifier (SHA-256), same run, same order",
            $"{commands:N0} commands each over {cases:N0} cases: {Report.Number(media.Rate.Value * 4)} hashes/s against {Report.Number(exact.Rate.Value)}; " +
            $"background work settled {media.Settled.TotalSeconds:F1} s after the media"));
        await HashList(sizes.IngestCommands);
    }

    /// 4. A hash list (VICS-like: MD5, SHA-1, category and flags per record) into one case, as `evidencehub import
    /// media` sends it (AddMedia on one Sync stream), beside a binary COPY of the same rows into a plain table, and the
    /// time from the last answer until the hub's background work (asynchronous projections, audit log leaves) caught up.
    private async Task HashList(int count)
    {
        var caseId = (await bench.OpenCases(RunningHub.UnitA, 1))[0];
        var rows = HashListRows(count);
        var commands = rows.Select(r => new SyncCommand
        {
            AddMedia = new AddMediaRequest
            {
                CommandId = Guid.NewGuid().ToString(), CaseId = caseId.ToString(), Md5 = r.Md5, Sha1 = r.Sha1, Category = r.Category,
                VictimIdentified = r.Victim, Distributed = r.Distributed,
            },
        }).ToList();
        Progress.Say($"hash list: {count:N0} records into one case through Sync");
        var outcome = await SyncStream.Run(bench.Hub.Cases(RunningHub.UnitA), commands);
        if (outcome.Failed > 0) throw new InvalidOperationException($"Hash list import: {outcome.Failures}");
        var settled = await bench.Settled();
        var bulkRows = rows.Select(_ => (Md5: Hex(16), Sha1: Hex(20), Category: 1, Victim: true, Distributed: false)).ToList();
        var bulk = await Bulk(bulkRows);
        var copy = new Figure(rows.Count / (await RawCopy(rows)).TotalSeconds, "records/s");
        bench.Report.Add(new ResultRow($"Hash list: {count:N0} VICS-like records (MD5, SHA-1, category, flags) into one case, as `import media` sends them")
        {
            Hub = new Figure(outcome.Succeeded / outcome.Elapsed.TotalSeconds, "records/s"), Baseline = copy,
            BaselineName = "binary COPY of the same rows into a plain table",
            Note = $"{outcome.Elapsed.TotalSeconds:F1} s; background work (async projections, audit log leaves) settled {settled.TotalSeconds:F1} s after the last answer",
        });
        bench.Report.Goal("Hash list import ≥ 50% of a raw binary COPY of the same rows",
            $"{outcome.Succeeded / outcome.Elapsed.TotalSeconds / copy.Value:P1} ({Report.Number(outcome.Succeeded / outcome.Elapsed.TotalSeconds)} vs {Report.Number(copy.Value)} records/s); settled {settled.TotalSeconds:F1} s after",
            outcome.Succeeded / outcome.Elapsed.TotalSeconds / copy.Value >= 0.5);
        bench.Report.Add(new ResultRow($"Hash list: {count:N0} VICS-like records into one case through ImportMedia (batches of {BulkBatch:N0}), as `import media` sends them now")
        {
            Hub = bulk.Rate, Baseline = copy, BaselineName = "binary COPY of the same rows into a plain table",
            Note = $"{bulk.Elapsed.TotalSeconds:F1} s; background work (async projections, audit log leaves) settled {bulk.Settled.TotalSeconds:F1} s after the last answer",
        });
        bench.Report.Goal("Hash list import (ImportMedia) ≥ 50% of a raw binary COPY of the same rows, settled within a few seconds",
            $"{bulk.Rate.Value / copy.Value:P1} ({Report.Number(bulk.Rate.Value)} vs {Report.Number(copy.Value)} records/s); settled {bulk.Settled.TotalSeconds:F1} s after",
            bulk.Rate.Value / copy.Value >= 0.5 && bulk.Settled.TotalSeconds <= 5);
    }

    /// 4 at scale: only ImportMedia beside the raw COPY of the same rows, ten times the ingest size (20,000 rows with
    /// --quick, 1,000,000 at full size: "by the million"), without the slow Sync rows. In three interleaved rounds
    /// (import, then each COPY, then the next round), so that a machine shared with other work loads both sides alike;
    /// the hub's background work settles before each COPY, so that it does not slow the baseline. A second baseline,
    /// the same rows COPYed into a table like imported_media (its columns and indexes), is the floor the hub's storage
    /// sets: what the indexes a lookup needs cost, before any check, probe, event or receipt.
    public async Task HashListAtScale()
    {
        const int rounds = 3;
        var count = Math.Max(20_000, bench.Sizes.IngestCommands * 10) / rounds * rounds;
        TimeSpan hub = TimeSpan.Zero, plain = TimeSpan.Zero, indexed = TimeSpan.Zero, settled = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            var bulk = await Bulk(HashListRows(count / rounds));
            (hub, settled) = (hub + bulk.Elapsed, bulk.Settled > settled ? bulk.Settled : settled);
            plain += await RawCopy(HashListRows(count / rounds));
            indexed += await IndexedCopy(HashListRows(count / rounds));
        }
        Figure Rate(TimeSpan elapsed) => new(count / elapsed.TotalSeconds, "records/s");
        bench.Report.Add(new ResultRow($"Hash list: {count:N0} VICS-like records (MD5, SHA-1, category, flags) into one case through ImportMedia (batches of {BulkBatch:N0})")
        {
            Hub = Rate(hub), Baseline = Rate(plain), BaselineName = $"binary COPY of the same rows into a plain table, same run, {rounds} rounds interleaved",
            Note = $"{hub.TotalSeconds:F1} s; background work (async projections, audit log leaves) settled at most {settled.TotalSeconds:F1} s after a round's last answer",
        });
        bench.Report.Add(new ResultRow("Hash list, diagnostic: the same ImportMedia beside a binary COPY into a table like imported_media (same columns and indexes)")
        {
            Hub = Rate(hub), Baseline = Rate(indexed), BaselineName = "binary COPY of the same rows into a copy of imported_media with its indexes, same rounds",
            Note = $"the indexes alone take the COPY to {plain / indexed:P0} of the plain one",
        });
        bench.Report.Goal($"Hash list import (ImportMedia, {count:N0} rows) ≥ 50% of a raw binary COPY of the same rows, settled within a few seconds",
            $"{plain / hub:P1} ({Report.Number(Rate(hub).Value)} vs {Report.Number(Rate(plain).Value)} records/s); settled {settled.TotalSeconds:F1} s after",
            plain / hub >= 0.5 && settled.TotalSeconds <= 5);
    }

    private static List<(string Md5, string Sha1, int Category, bool Victim, bool Distributed)> HashListRows(int count) =>
        Enumerable.Range(0, count).Select(i => (Md5: Hex(16), Sha1: Hex(20), Category: i % 3, Victim: i % 2 == 0, Distributed: i % 5 == 0)).ToList();

    private const int BulkBatch = 10_000;

    private sealed record BulkMeasured(Figure Rate, TimeSpan Elapsed, TimeSpan Settled);

    /// The same kind of rows through the bulk path, batches written ahead of the answers on one stream.
    private async Task<BulkMeasured> Bulk(IReadOnlyList<(string Md5, string Sha1, int Category, bool Victim, bool Distributed)> rows)
    {
        var caseId = (await bench.OpenCases(RunningHub.UnitA, 1))[0];
        var batches = rows.Chunk(BulkBatch).Select((chunk, i) => new MediaBatch
        {
            BatchId = Guid.NewGuid().ToString(), CaseId = caseId.ToString(), FirstRow = 1 + (long)i * BulkBatch,
            Rows = { chunk.Select(r => new MediaRow { Md5 = r.Md5, Sha1 = r.Sha1, Category = r.Category, VictimIdentified = r.Victim, Distributed = r.Distributed }) },
        }).ToList();
        Progress.Say($"hash list: {rows.Count:N0} records into one case through ImportMedia");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var call = bench.Hub.Cases(RunningHub.UnitA).ImportMedia();
        var writing = Task.Run(async () =>
        {
            foreach (var batch in batches) await call.RequestStream.WriteAsync(batch);
            await call.RequestStream.CompleteAsync();
        });
        var imported = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None)) imported += call.ResponseStream.Current.Added;
        await writing;
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (imported != rows.Count) throw new InvalidOperationException($"ImportMedia added {imported} of {rows.Count} records");
        var settled = await bench.Settled();
        return new BulkMeasured(new Figure(rows.Count / elapsed.TotalSeconds, "records/s"), elapsed, settled);
    }

    private async Task<TimeSpan> RawCopy(IReadOnlyList<(string Md5, string Sha1, int Category, bool Victim, bool Distributed)> rows)
    {
        await using (var create = bench.RawSql.CreateCommand(
            "CREATE SCHEMA IF NOT EXISTS bench_raw; CREATE TABLE IF NOT EXISTS bench_raw.media_list (md5 text NOT NULL, sha1 text NOT NULL, category int NOT NULL, victim_identified bool NOT NULL, distributed bool NOT NULL)"))
            await create.ExecuteNonQueryAsync();
        Progress.Say($"hash list baseline: binary COPY of {rows.Count:N0} rows");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using (var connection = await bench.RawSql.OpenConnectionAsync())
        await using (var import = await connection.BeginBinaryImportAsync("COPY bench_raw.media_list (md5, sha1, category, victim_identified, distributed) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                await import.StartRowAsync();
                await import.WriteAsync(row.Md5, NpgsqlTypes.NpgsqlDbType.Text);
                await import.WriteAsync(row.Sha1, NpgsqlTypes.NpgsqlDbType.Text);
                await import.WriteAsync(row.Category, NpgsqlTypes.NpgsqlDbType.Integer);
                await import.WriteAsync(row.Victim, NpgsqlTypes.NpgsqlDbType.Boolean);
                await import.WriteAsync(row.Distributed, NpgsqlTypes.NpgsqlDbType.Boolean);
            }
            await import.CompleteAsync();
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    /// The same rows as the hub stores them (keys "md5:…", the batch's columns) into a table with imported_media's
    /// columns and indexes.
    private async Task<TimeSpan> IndexedCopy(IReadOnlyList<(string Md5, string Sha1, int Category, bool Victim, bool Distributed)> rows)
    {
        await using (var create = bench.RawSql.CreateCommand(
            "CREATE SCHEMA IF NOT EXISTS bench_raw; CREATE TABLE IF NOT EXISTS bench_raw.imported_media (LIKE evidencehub.imported_media INCLUDING ALL)"))
            await create.ExecuteNonQueryAsync();
        Progress.Say($"hash list baseline: binary COPY of {rows.Count:N0} rows into an indexed table");
        var (caseId, batchId, now) = (Guid.NewGuid(), Guid.NewGuid().ToString(), DateTimeOffset.UtcNow);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using (var connection = await bench.RawSql.OpenConnectionAsync())
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY bench_raw.imported_media (case_id, record, batch_id, file_row, sha256, sha1, md5, pdq, pdq_quality, category, victim_identified, " +
            "offender_identified, distributed, provider_filter, added_at, added_at_version, added_by_unit) FROM STDIN (FORMAT BINARY)"))
        {
            var fileRow = 0L;
            foreach (var row in rows)
            {
                await import.StartRowAsync();
                await import.WriteAsync(caseId, NpgsqlTypes.NpgsqlDbType.Uuid);
                await import.WriteAsync(Hex(8), NpgsqlTypes.NpgsqlDbType.Text);
                await import.WriteAsync(batchId, NpgsqlTypes.NpgsqlDbType.Text);
                await import.WriteAsync(++fileRow, NpgsqlTypes.NpgsqlDbType.Bigint);
                await import.WriteNullAsync();
                await import.WriteAsync("sha1:" + row.Sha1, NpgsqlTypes.NpgsqlDbType.Text);
                await import.WriteAsync("md5:" + row.Md5, NpgsqlTypes.NpgsqlDbType.Text);
                await import.WriteNullAsync();
                await import.WriteAsync((short)0, NpgsqlTypes.NpgsqlDbType.Smallint);
                await import.WriteAsync((short)row.Category, NpgsqlTypes.NpgsqlDbType.Smallint);
                await import.WriteAsync(row.Victim, NpgsqlTypes.NpgsqlDbType.Boolean);
                await import.WriteAsync(false, NpgsqlTypes.NpgsqlDbType.Boolean);
                await import.WriteAsync(row.Distributed, NpgsqlTypes.NpgsqlDbType.Boolean);
                await import.WriteAsync(false, NpgsqlTypes.NpgsqlDbType.Boolean);
                await import.WriteAsync(now, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                await import.WriteAsync(2L, NpgsqlTypes.NpgsqlDbType.Bigint);
                await import.WriteAsync("bench-unit", NpgsqlTypes.NpgsqlDbType.Text);
            }
            await import.CompleteAsync();
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    private static ResultRow Row(string name, Measured hub, Measured baseline, string baselineName, string note) => new(name)
    {
        Hub = hub.Rate, Baseline = baseline.Rate, BaselineName = baselineName,
        P50Ms = hub.Outcome.Latencies.Percentile(50), P99Ms = hub.Outcome.Latencies.Percentile(99),
        BaselineP50Ms = baseline.Outcome.Latencies.Percentile(50), BaselineP99Ms = baseline.Outcome.Latencies.Percentile(99),
        Note = note,
    };

    private sealed record Measured(Figure Rate, SyncOutcome Outcome, TimeSpan Settled, long Correlations);

    private async Task<Measured> Sync(int caseCount, int count, Func<Guid, int, SyncCommand> command)
    {
        var cases = await bench.OpenCases(RunningHub.UnitA, caseCount);
        var batch = Enumerable.Range(0, count).Select(i => command(cases[i % cases.Count], i)).ToList();
        Progress.Say($"media ingest: Sync of {batch.Count:N0} {batch[0].CommandCase} over {cases.Count:N0} cases");
        var outcome = await SyncStream.Run(bench.Hub.Cases(RunningHub.UnitA), batch, keepResults: true);
        if (outcome.Failed > 0) throw new InvalidOperationException($"Media ingest: {outcome.Failures}");
        var settled = await bench.Settled();
        return new Measured(new Figure(outcome.Succeeded / outcome.Elapsed.TotalSeconds, "commands/s"), outcome, settled, outcome.Results.Sum(r => (long)r.Correlations));
    }

    /// Media records of a SHA-256 of their own (a record needs a file hash) and one hash that may match: a PDQ hash, or
    /// an MD5 for exact matching. Every tenth repeats that hash of the record nine before it (on another case, since
    /// commands go round the cases), a PDQ hash with a few bits flipped, so that it near-matches.
    private static Func<Guid, int, SyncCommand> OneHash(bool pdq)
    {
        var hashes = new List<byte[]>();
        return (caseId, i) =>
        {
            var hash = i % 10 == 9 ? Varied(hashes[i - 9], pdq ? 12 : 0) : RandomNumberGenerator.GetBytes(pdq ? 32 : 16);
            hashes.Add(hash);
            var value = Convert.ToHexString(hash).ToLowerInvariant();
            var request = new AddMediaRequest { CommandId = Guid.NewGuid().ToString(), CaseId = caseId.ToString(), Sha256 = Hex(32), Category = 1, Distributed = true };
            if (pdq) (request.Pdq, request.PdqQuality) = (value, 90);
            else request.Md5 = value;
            return new SyncCommand { AddMedia = request };
        };
    }

    private static byte[] Varied(byte[] hash, int bits)
    {
        var copy = (byte[])hash.Clone();
        for (var b = 0; b < bits; b++) copy[b * 2 % copy.Length] ^= (byte)(1 << (b % 8));
        return copy;
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
