using System.Diagnostics;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;
using Grpc.Core;
using Npgsql;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 2. Hit / no-hit questions against a full index. The hub (Lookup and BatchLookup over TLS: canonicalisation, the
/// holdings and case queries, the access record written before each answer leaves) beside raw indexed point lookups
/// on the hub's own holdings table with one and with eight connections.
public sealed class LookupScenario(BenchContext bench)
{
    private const int LoadBatchCases = 10;
    private const int Loaders = 2;
    private const int WarmUpCalls = 100;
    private const string AccessTable = "bench_raw.access_records";
    private static readonly Justification Why = new() { Purpose = "benchmark: hit / no-hit check" };

    /// The hub's index on IdentifierHolding.Key, as Marten declares it; the plan is checked before measuring.
    private const string PointLookup =
        $"SELECT id, data FROM {BenchContext.Schema}.mt_doc_identifierholding WHERE CAST(data ->> 'Key' as text) = $1";

    public async Task Run()
    {
        var sizes = bench.Sizes;
        await Load();
        var settled = await bench.Settled();
        bench.Report.Note($"lookups: the hub's background work (async projections, audit log) settled {settled.TotalSeconds:F0} s after the load ended");

        var random = new Random(2024);
        var oneClient = Enumerable.Range(0, sizes.LookupCallsOneClient).Select(_ => bench.AnyHeld(random)).ToArray();
        var concurrent = Enumerable.Range(0, sizes.LookupCallsConcurrent).Select(_ => bench.AnyHeld(random)).ToArray();
        var batch = Enumerable.Range(0, sizes.BatchLookupIdentifiers).Select(_ => bench.AnyHeld(random)).ToArray();
        var planNote = await IndexUse(SampleIdentifiers.MatchKey(oneClient[0]));

        await HubLookups(Enumerable.Range(0, WarmUpCalls).Select(_ => bench.AnyHeld(random)).ToArray(), 1);
        Progress.Say($"lookup: {oneClient.Length:N0} Lookup calls, one client");
        var hubOne = await HubLookups(oneClient, 1);
        Progress.Say($"lookup: {concurrent.Length:N0} Lookup calls, {sizes.LookupClients} clients");
        var hubMany = await HubLookups(concurrent, sizes.LookupClients);
        Progress.Say($"lookup: BatchLookup of {batch.Length:N0} identifiers");
        var hubBatch = await HubBatchLookup(batch);

        await RawLookups(Enumerable.Range(0, WarmUpCalls).Select(_ => bench.AnyHeld(random)).ToArray(), 1, recorded: false);
        var rawOne = await RawLookups(oneClient, 1, recorded: false);
        var rawMany = await RawLookups(concurrent, sizes.LookupClients, recorded: false);
        var recordedOne = await RawLookups(oneClient, 1, recorded: true);
        var recordedMany = await RawLookups(concurrent, sizes.LookupClients, recorded: true);

        var stored = $"{bench.HeldCount:N0} identifiers stored";
        bench.Report.Add(Row($"Lookup, 1 client ({stored})", hubOne, rawOne, "raw SQL point lookups, 1 connection", planNote));
        bench.Report.Add(Row($"Lookup, {sizes.LookupClients} concurrent clients", hubMany, rawMany, $"raw SQL point lookups, {sizes.LookupClients} connections", null));
        bench.Report.Add(Row($"BatchLookup of {batch.Length:N0} identifiers, one stream", hubBatch, rawOne, "raw SQL point lookups, 1 connection", null));
        // The hub writes an access record, durably, before any answer leaves: the floor for that costs a commit per call.
        bench.Report.Add(Row("Lookup, 1 client, against a floor that also commits an access record", hubOne, recordedOne,
            "raw SQL point lookup + access-record INSERT, one commit per lookup, 1 connection", null, withWork: false));
        bench.Report.Add(Row($"Lookup, {sizes.LookupClients} concurrent clients, against the same floor", hubMany, recordedMany,
            $"the same, {sizes.LookupClients} connections", null, withWork: false));

        var concurrentRatio = hubMany.Rate.Value / rawMany.Rate.Value;
        bench.Report.Goal($"Hub Lookup ≥ 50% of raw SQL at {sizes.LookupClients} concurrent",
            $"{concurrentRatio:P1} ({Report.Number(hubMany.Rate.Value)} vs {Report.Number(rawMany.Rate.Value)} lookups/s)", concurrentRatio >= 0.5);
        bench.Report.Goal("BatchLookup faster than raw single-connection point lookups",
            $"{Report.Number(hubBatch.Rate.Value)} vs {Report.Number(rawOne.Rate.Value)} lookups/s ({hubBatch.Rate.Value / rawOne.Rate.Value:F2}×)",
            hubBatch.Rate.Value > rawOne.Rate.Value);
    }

    private sealed record Asked(Figure Rate, Latencies Latencies, long Hits, long Questions, MemoryFigures? Memory, HubSignals.Snapshot? Work = null);

    private static ResultRow Row(string scenario, Asked hub, Asked raw, string baselineName, string? note, bool withWork = true) => new(scenario)
    {
        Hub = hub.Rate, Baseline = raw.Rate, BaselineName = baselineName,
        P50Ms = hub.Latencies.Percentile(50), P99Ms = hub.Latencies.Percentile(99),
        BaselineP50Ms = raw.Latencies.Percentile(50), BaselineP99Ms = raw.Latencies.Percentile(99),
        Memory = hub.Memory,
        Note = string.Join("; ", new[]
        {
            hub.Hits == hub.Questions ? null : $"only {hub.Hits:N0} of {hub.Questions:N0} hub answers were hits",
            withWork ? hub.Work?.Per(hub.Questions, "lookup") : null,
            note,
        }.OfType<string>()),
    };

    /// Fills the index up to the target size through the hub's store, two loaders at a time, and stops when the time
    /// budget is spent (the lookups then run on what is stored, and the table says so).
    private async Task Load()
    {
        var sizes = bench.Sizes;
        var needed = sizes.LookupStoredIdentifiers - bench.HeldCount;
        if (needed <= 0) return;
        var perChunk = LoadBatchCases * Sizes.IdentifiersPerLoadedCase;
        var chunks = (int)((needed + perChunk - 1) / perChunk);
        Progress.Say($"lookup: loading {needed:N0} identifiers ({chunks * LoadBatchCases:N0} cases of {Sizes.IdentifiersPerLoadedCase}) through the hub's store");
        var cases = new List<Guid>();
        for (var opened = 0; opened < chunks * LoadBatchCases; opened += 1_000)
            cases.AddRange(await bench.OpenCases(RunningHub.UnitA, Math.Min(1_000, chunks * LoadBatchCases - opened)));

        var first = SampleIdentifiers.Reserve(chunks * (long)perChunk);
        long loaded = 0;
        var started = Stopwatch.GetTimestamp();
        var stopped = false;
        await Parallel.ForEachAsync(Enumerable.Range(0, chunks), new ParallelOptions { MaxDegreeOfParallelism = Loaders }, async (chunk, _) =>
        {
            if (Stopwatch.GetElapsedTime(started) > sizes.LookupLoadBudget) { stopped = true; return; }
            var count = (int)Math.Min(perChunk, needed - (long)chunk * perChunk);
            var chunkFirst = first + (long)chunk * perChunk;
            // Grouped by case: each case's snapshot is written once per SaveChanges.
            var events = Enumerable.Range(0, count)
                .Select(i => SampleIdentifiers.Added(cases[chunk * LoadBatchCases + i / Sizes.IdentifiersPerLoadedCase], chunkFirst + i))
                .ToList();
            await bench.AppendThroughHubStore(RunningHub.UnitA, events);
            bench.Holds(chunkFirst, count);
            var total = Interlocked.Add(ref loaded, count);
            if (total / perChunk % 100 == 0) Progress.Say($"lookup: loaded {total:N0} of {needed:N0}");
        });
        var elapsed = Stopwatch.GetElapsedTime(started);
        bench.Report.Add(new ResultRow("Load of the lookup data set through the hub's Marten store")
        {
            Hub = new Figure(loaded / elapsed.TotalSeconds, "identifiers/s"),
            Note = $"{loaded:N0} identifiers in {elapsed.TotalSeconds:F0} s, {Loaders} loaders, {perChunk:N0} per SaveChanges, inline projections; " +
                   $"{bench.HeldCount:N0} stored in all",
        });
        if (stopped)
            bench.Report.Note($"lookups: loading stopped at the {sizes.LookupLoadBudget.TotalMinutes:F0} min budget, so the lookups ran on " +
                              $"{bench.HeldCount:N0} identifiers, not {sizes.LookupStoredIdentifiers:N0}");
    }

    private async Task<Asked> HubLookups(long[] identifiers, int clients)
    {
        var share = identifiers.Chunk((identifiers.Length + clients - 1) / clients).ToArray();
        var parts = share.Select(_ => new Latencies()).ToArray();
        long hits = 0;
        var memory = MemoryWatch.Start();
        var signals = HubSignals.Now();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(share.Select((mine, worker) => Task.Run(async () =>
        {
            var lookups = bench.Hub.Lookups(RunningHub.Partner);
            foreach (var identifier in mine)
            {
                var asked = Stopwatch.GetTimestamp();
                var answer = await lookups.LookupAsync(new LookupRequest
                {
                    Identifier = new IdentifierQuery { Raw = SampleIdentifiers.Raw(identifier) },
                    Justification = Why,
                });
                parts[worker].Add(asked);
                if (answer.Hit) Interlocked.Increment(ref hits);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var work = HubSignals.Now() - signals;
        return new Asked(new Figure(identifiers.Length / elapsed.TotalSeconds, "lookups/s"), Latencies.Merge(parts), hits, identifiers.Length, await memory.Stop(), work);
    }

    private async Task<Asked> HubBatchLookup(long[] identifiers)
    {
        var lookups = bench.Hub.Lookups(RunningHub.Partner);
        var sentAt = new long[identifiers.Length];
        var latencies = new Latencies(identifiers.Length);
        long hits = 0, answers = 0, errors = 0;
        var memory = MemoryWatch.Start();
        var signals = HubSignals.Now();
        var started = Stopwatch.GetTimestamp();
        using var call = lookups.BatchLookup();
        var reading = Task.Run(async () =>
        {
            await foreach (var answer in call.ResponseStream.ReadAllAsync())
            {
                latencies.Add(Volatile.Read(ref sentAt[int.Parse(answer.ItemId)]));
                answers++;
                if (answer.Hit) hits++;
                if (answer.Error is not null) errors++;
            }
        });
        for (var i = 0; i < identifiers.Length; i++)
        {
            Volatile.Write(ref sentAt[i], Stopwatch.GetTimestamp());
            await call.RequestStream.WriteAsync(new BatchLookupRequest
            {
                Justification = i == 0 ? Why : null,
                Identifier = new IdentifierQuery { Raw = SampleIdentifiers.Raw(identifiers[i]) },
                ItemId = i.ToString(),
            });
        }
        await call.RequestStream.CompleteAsync();
        await reading;
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (answers != identifiers.Length || errors > 0)
            throw new InvalidOperationException($"BatchLookup answered {answers} of {identifiers.Length} identifiers, {errors} with errors.");
        var work = HubSignals.Now() - signals;
        return new Asked(new Figure(identifiers.Length / elapsed.TotalSeconds, "lookups/s"), latencies, hits, identifiers.Length, await memory.Stop(), work);
    }

    /// The floor: a prepared point query on the holdings' key index, one row back per hit, nothing else. Recorded:
    /// the same query and an INSERT of an access record in one round trip and one commit, as little as a hub that must
    /// log every answer durably before sending it can do.
    private async Task<Asked> RawLookups(long[] identifiers, int connections, bool recorded)
    {
        if (recorded)
            await using (var create = bench.RawSql.CreateCommand(
                $"CREATE SCHEMA IF NOT EXISTS bench_raw; CREATE TABLE IF NOT EXISTS {AccessTable} " +
                "(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), unit text NOT NULL, asked text NOT NULL)"))
                await create.ExecuteNonQueryAsync();
        var keys = identifiers.Select(i => SampleIdentifiers.MatchKey(i)).ToArray();
        var share = keys.Chunk((keys.Length + connections - 1) / connections).ToArray();
        var parts = share.Select(_ => new Latencies()).ToArray();
        long hits = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(share.Select((mine, worker) => Task.Run(async () =>
        {
            await using var connection = await bench.RawSql.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection);
            var query = new NpgsqlBatchCommand(PointLookup);
            var key = new NpgsqlParameter<string> { TypedValue = "" };
            query.Parameters.Add(key);
            batch.BatchCommands.Add(query);
            var askedKey = new NpgsqlParameter<string> { TypedValue = "" };
            if (recorded)
            {
                var record = new NpgsqlBatchCommand(
                    $"INSERT INTO {AccessTable} (unit, asked) VALUES ($2, $1)");
                record.Parameters.Add(askedKey);
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunningHub.Partner });
                batch.BatchCommands.Add(record);
            }
            await batch.PrepareAsync();
            foreach (var wanted in mine)
            {
                var asked = Stopwatch.GetTimestamp();
                key.TypedValue = askedKey.TypedValue = wanted;
                var found = false;
                await using (var rows = await batch.ExecuteReaderAsync())
                    while (await rows.ReadAsync()) { found = true; _ = rows.GetString(1); }
                parts[worker].Add(asked);
                if (found) Interlocked.Increment(ref hits);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new Asked(new Figure(keys.Length / elapsed.TotalSeconds, "lookups/s"), Latencies.Merge(parts), hits, keys.Length, null);
    }

    /// Says so when PostgreSQL would not use an index for the baseline's query (it would then be no baseline).
    private async Task<string?> IndexUse(string key)
    {
        await using var command = bench.RawSql.CreateCommand("EXPLAIN " + PointLookup.Replace("$1", "'" + key.Replace("'", "''") + "'"));
        var plan = string.Join("\n", await ReadAll(command));
        return plan.Contains("Index", StringComparison.Ordinal) ? null : "the raw query found no index: " + plan.Split('\n')[0];
    }

    private static async Task<List<string>> ReadAll(NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) lines.Add(rows.GetString(0));
        return lines;
    }
}
