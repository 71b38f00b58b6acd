using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Store;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 1. A unit syncs a backlog of identifiers across its cases. The hub (Sync over TLS: canonicalisation, idempotency
/// receipts, identifier locks, inline projections) beside the same events appended through plain Marten in batches
/// of 100, and beside a binary COPY of equivalent rows into a plain table, the floor PostgreSQL sets.
public sealed class IngestScenario(BenchContext bench)
{
    private const int MartenBatch = 100;
    private const string BaselineSchema = "bench_marten";
    private const string CopyTable = "bench_raw.suspect_identifiers";

    /// The order of a backlog: command i to case i mod N (every burst the hub reads spans many cases), or case by case
    /// (a unit exporting one case after another). The hub's cost differs a lot between the two, so both are measured.
    private enum Order { Interleaved, CaseByCase }

    public async Task Run()
    {
        await WarmUp();
        var interleaved = await SyncAndMarten(Order.Interleaved);
        var caseByCase = await SyncAndMarten(Order.CaseByCase);
        var copy = await RawCopy(interleaved.Plan);
        var projections = await ThroughHubStore();

        bench.Report.Add(new ResultRow("Ingest: Sync of AddSuspectIdentifier, interleaved")
        {
            Hub = interleaved.Hub.Rate, Baseline = copy, BaselineName = "raw binary COPY of the same rows into a plain table",
        });
        bench.Report.Add(new ResultRow("Ingest, diagnostic: the hub's Marten store with its inline projections, interleaved")
        {
            Hub = projections.Rate, Baseline = interleaved.Marten.Rate, BaselineName = $"raw Marten, {MartenBatch} per SaveChanges",
            P50Ms = projections.Latencies.Percentile(50), P99Ms = projections.Latencies.Percentile(99),
            Note = "same events and batches, no gRPC or command path: what the hub's inline projections cost",
        });
        await ProjectionCosts();
        foreach (var (order, run) in new[] { (Order.Interleaved, interleaved), (Order.CaseByCase, caseByCase) })
        {
            var ratio = run.Hub.Rate.Value / run.Marten.Rate.Value;
            bench.Report.Goal($"Hub ingest ≥ 50% of raw Marten ({Describe(order)})",
                $"{ratio:P0} ({Report.Number(run.Hub.Rate.Value)} vs {Report.Number(run.Marten.Rate.Value)} identifiers/s)", ratio >= 0.5);
        }
    }

    private static string Describe(Order order) => order == Order.Interleaved ? "interleaved across cases" : "case by case";

    private sealed record Measured(List<(Guid CaseId, long Identifier)> Plan, Appended Hub, Appended Marten);

    /// The hub's Sync of a backlog on fresh cases, then plain Marten appending the same events in the same order.
    private async Task<Measured> SyncAndMarten(Order order)
    {
        var sizes = bench.Sizes;
        var cases = await bench.OpenCases(RunningHub.UnitA, sizes.IngestCases);
        var first = SampleIdentifiers.Reserve(sizes.IngestCommands);
        var perCase = sizes.IngestCommands / cases.Count;
        var plan = Enumerable.Range(0, sizes.IngestCommands)
            .Select(i => (CaseId: order == Order.Interleaved ? cases[i % cases.Count] : cases[Math.Min(i / perCase, cases.Count - 1)], Identifier: first + i))
            .ToList();
        var commands = plan.Select(p => SyncStream.AddIdentifier(p.CaseId, p.Identifier)).ToList();

        Progress.Say($"ingest: Sync of {commands.Count:N0} AddSuspectIdentifier, {Describe(order)} ({cases.Count:N0} cases)");
        var memory = MemoryWatch.Start();
        var signals = HubSignals.Now();
        var outcome = await SyncStream.Run(bench.Hub.Cases(RunningHub.UnitA), commands);
        var work = HubSignals.Now() - signals;
        var figures = await memory.Stop();
        var landed = await bench.Scalar(
            $"SELECT count(*) FROM {BenchContext.Schema}.mt_events WHERE type = 'suspect_identifier_added' AND stream_id = ANY($1)", cases.ToArray());
        if (landed != outcome.Succeeded || outcome.Failed > 0)
            throw new InvalidOperationException($"Sync reported {outcome.Succeeded:N0} done and {outcome.Failed:N0} failed ({outcome.Failures}), but {landed:N0} events landed.");
        bench.Holds(first, landed);
        var hub = new Appended(new Figure(outcome.Succeeded / outcome.Elapsed.TotalSeconds, "identifiers/s"), outcome.Latencies);
        var caughtUp = await bench.Settled();

        var marten = await RawMarten(plan, $"{BaselineSchema}_{order.ToString().ToLowerInvariant()}");
        var martenInBursts = await RawMarten(plan, $"{BaselineSchema}_{order.ToString().ToLowerInvariant()}_bursts", EvidenceHub.Hub.Commands.SyncPipeline.MaxSyncBurst);
        bench.Report.Add(new ResultRow($"Ingest: Sync of AddSuspectIdentifier, {Describe(order)}")
        {
            Hub = hub.Rate, Baseline = marten.Rate, BaselineName = $"raw Marten, same order, {MartenBatch} per SaveChanges",
            BaselineP50Ms = marten.Latencies.Percentile(50), BaselineP99Ms = marten.Latencies.Percentile(99),
            P50Ms = outcome.Latencies.Percentile(50), P99Ms = outcome.Latencies.Percentile(99), Memory = figures,
            Note = $"{outcome.Succeeded:N0} results OK, {landed:N0} events landed, {outcome.Elapsed.TotalSeconds:F1} s" +
                   $", background work (async projections, audit log) settled {caughtUp.TotalSeconds:F1} s later" +
                   $"; {work.Per(commands.Count, "command")}; latency: command written → its result read (pipelined, so mostly queueing)",
        });
        bench.Report.Add(new ResultRow($"Ingest, diagnostic: the same Sync against raw Marten in batches of the hub's largest burst, {Describe(order)}")
        {
            Hub = hub.Rate, Baseline = martenInBursts.Rate, BaselineName = $"raw Marten, same order, {EvidenceHub.Hub.Commands.SyncPipeline.MaxSyncBurst} per SaveChanges",
            BaselineP50Ms = martenInBursts.Latencies.Percentile(50), BaselineP99Ms = martenInBursts.Latencies.Percentile(99),
            Note = $"the hub runs up to {EvidenceHub.Hub.Commands.SyncPipeline.MaxSyncBurst} commands that arrive together in one transaction; the issue's baseline batches {MartenBatch}",
        });
        return new Measured(plan, hub, marten);
    }

    /// A small Sync on cases of its own, so that JIT and connection pools are warm when the measured ones start.
    private async Task WarmUp()
    {
        var cases = await bench.OpenCases(RunningHub.UnitA, 5);
        var first = SampleIdentifiers.Reserve(500);
        var outcome = await SyncStream.Run(bench.Hub.Cases(RunningHub.UnitA),
            Enumerable.Range(0, 500).Select(i => SyncStream.AddIdentifier(cases[i % cases.Count], first + i)).ToList());
        if (outcome.Failed > 0) throw new InvalidOperationException($"Warm-up Sync failed: {outcome.Failures}");
        bench.Holds(first, 500);
    }

    private sealed record Appended(Figure Rate, Latencies Latencies);

    /// Plain Marten: the same event types and metadata in its own schema, no projections, batches of 100.
    private async Task<Appended> RawMarten(IReadOnlyList<(Guid CaseId, long Identifier)> plan, string schema, int batchSize = MartenBatch)
    {
        using var store = await PlainStore(schema, plan.Select(p => p.CaseId).Distinct());
        // Events made before the clock starts: the hub's canonicalisation is the hub's cost, not Marten's.
        var events = plan.Select(p => SampleIdentifiers.Added(p.CaseId, p.Identifier)).ToList();
        await AppendInBatches(store, events.Take(MartenBatch * 5).ToList(), warmUp: true, batchSize);

        Progress.Say($"ingest baseline: raw Marten, {events.Count:N0} events in batches of {batchSize}");
        return await AppendInBatches(store, events, warmUp: false, batchSize);
    }

    /// Plain Marten in a schema of its own: the hub's event types and metadata, the given projections (none by
    /// default), and the cases already opened.
    private async Task<DocumentStore> PlainStore(string schema, IEnumerable<Guid> cases, Action<StoreOptions>? projections = null)
    {
        var store = DocumentStore.For(options =>
        {
            options.Connection(bench.Database.ConnectionString);
            options.DatabaseSchemaName = schema;
            options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
            options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            options.Events.StreamIdentity = StreamIdentity.AsGuid;
            options.Events.MetadataConfig.EnableAll();
            options.Events.MetadataConfig.UserNameEnabled = true;
            options.Events.AddEventType<CaseOpened>();
            options.Events.AddEventType<SuspectIdentifierAdded>();
            projections?.Invoke(options);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var opening = store.LightweightSession();
        foreach (var caseId in cases)
            opening.Events.StartStream(caseId, new CaseOpened(caseId, RunningHub.UnitA, "NL", "BENCH-" + caseId.ToString("N"),
                OffenceType.FinancialSextortion, new SharingPolicy(Tlp.Green, HandlingCode.H0, null, [])));
        await opening.SaveChangesAsync();
        return store;
    }

    /// What the hub's two inline projections of an added identifier cost: plain Marten with one of them at a time, on a
    /// tenth of the backlog in the same shape (as many identifiers per case, 100 per SaveChanges), against plain Marten.
    private async Task ProjectionCosts()
    {
        var sizes = bench.Sizes;
        var cases = Math.Max(1, sizes.IngestCases / 10);
        var events = cases * (sizes.IngestCommands / sizes.IngestCases);
        var variants = new (string Name, Order Order, Action<StoreOptions>? Projections)[]
        {
            ("none", Order.Interleaved, null),
            ("CaseFile snapshot", Order.Interleaved, o => o.Projections.Add<CaseFileProjection>(ProjectionLifecycle.Inline)),
            ("CaseFile snapshot", Order.CaseByCase, o => o.Projections.Add<CaseFileProjection>(ProjectionLifecycle.Inline)),
            ("identifier holdings", Order.Interleaved, o =>
            {
                o.Projections.Add(new IdentifierHoldingProjection(), ProjectionLifecycle.Inline);
                o.Schema.For<IdentifierHolding>().Index(h => h.Key).Index(h => h.CaseId);
            }),
        };
        Progress.Say($"ingest diagnostic: plain Marten with one inline projection at a time, {events:N0} events over {cases} cases");
        Figure? plain = null;
        for (var variant = 0; variant < variants.Length; variant++)
        {
            var (name, order, projections) = variants[variant];
            var caseIds = Enumerable.Range(0, cases).Select(_ => Guid.CreateVersion7()).ToList();
            var first = SampleIdentifiers.Reserve(events);
            var added = Enumerable.Range(0, events)
                .Select(i => SampleIdentifiers.Added(order == Order.Interleaved ? caseIds[i % cases] : caseIds[i / (events / cases)], first + i))
                .ToList();
            using var store = await PlainStore($"bench_projection_{variant}", caseIds, projections);
            var appended = await AppendInBatches(store, added, warmUp: false);
            if (projections is null)
            {
                plain = appended.Rate;
                continue;
            }
            bench.Report.Add(new ResultRow($"Ingest, diagnostic: plain Marten + {name} (inline), {Describe(order)}")
            {
                Hub = appended.Rate, Baseline = plain, BaselineName = "plain Marten, interleaved",
                P50Ms = appended.Latencies.Percentile(50), P99Ms = appended.Latencies.Percentile(99),
                Note = $"{events:N0} events, {events / cases} per case; latency per SaveChanges of {MartenBatch}",
            });
        }
    }

    private static async Task<Appended> AppendInBatches(IDocumentStore store, IReadOnlyList<SuspectIdentifierAdded> events, bool warmUp, int batchSize = MartenBatch)
    {
        var latencies = new Latencies(events.Count / batchSize + 1);
        var started = Stopwatch.GetTimestamp();
        foreach (var batch in events.Chunk(batchSize))
        {
            var batchStarted = Stopwatch.GetTimestamp();
            await using var session = store.LightweightSession();
            session.CorrelationId = "bench-" + Guid.NewGuid().ToString("N");
            session.LastModifiedBy = $"{RunningHub.UnitA}/benchmark";
            session.SetHeader(EventHeaders.Unit, RunningHub.UnitA);
            session.SetHeader(EventHeaders.User, "benchmark");
            foreach (var added in batch)
            {
                var appended = session.Events.Append(added.CaseId, added).Events[^1];
                var commandId = Guid.NewGuid().ToString();
                appended.CausationId = commandId;
                appended.SetHeader(EventHeaders.CommandId, commandId);
            }
            await session.SaveChangesAsync();
            latencies.Add(batchStarted);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (warmUp) return new Appended(new Figure(0, "identifiers/s"), latencies);
        return new Appended(new Figure(events.Count / elapsed.TotalSeconds, "identifiers/s"), latencies);
    }

    /// The floor: the same rows (event JSON and metadata) written with one binary COPY into a plain table that has the
    /// event table's keys (a sequence and a unique stream version).
    private async Task<Figure> RawCopy(IReadOnlyList<(Guid CaseId, long Identifier)> plan)
    {
        await using (var create = bench.RawSql.CreateCommand(
            $"""
            CREATE SCHEMA IF NOT EXISTS bench_raw;
            CREATE TABLE {CopyTable} (
                seq_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id uuid NOT NULL, stream_id uuid NOT NULL, version bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL,
                timestamp timestamptz NOT NULL DEFAULT now(), correlation_id text, causation_id text, headers jsonb, user_name text,
                UNIQUE (stream_id, version))
            """))
            await create.ExecuteNonQueryAsync();

        var json = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } };
        var correlationId = "bench-" + Guid.NewGuid().ToString("N");
        Progress.Say($"ingest baseline: binary COPY of {plan.Count:N0} rows");
        var events = plan.Select(p => SampleIdentifiers.Added(p.CaseId, p.Identifier)).ToList();
        var started = Stopwatch.GetTimestamp();
        var versions = new Dictionary<Guid, long>();
        await using (var connection = await bench.RawSql.OpenConnectionAsync())
        await using (var import = await connection.BeginBinaryImportAsync(
            $"COPY {CopyTable} (id, stream_id, version, type, data, correlation_id, causation_id, headers, user_name) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var added in events)
            {
                var version = versions[added.CaseId] = versions.GetValueOrDefault(added.CaseId, 1) + 1;
                var commandId = Guid.NewGuid().ToString();
                await import.StartRowAsync();
                await import.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await import.WriteAsync(added.CaseId, NpgsqlDbType.Uuid);
                await import.WriteAsync(version, NpgsqlDbType.Bigint);
                await import.WriteAsync("suspect_identifier_added", NpgsqlDbType.Text);
                await import.WriteAsync(JsonSerializer.Serialize(added, json), NpgsqlDbType.Jsonb);
                await import.WriteAsync(correlationId, NpgsqlDbType.Text);
                await import.WriteAsync(commandId, NpgsqlDbType.Text);
                await import.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { [EventHeaders.Unit] = RunningHub.UnitA, [EventHeaders.User] = "benchmark", [EventHeaders.CommandId] = commandId }), NpgsqlDbType.Jsonb);
                await import.WriteAsync($"{RunningHub.UnitA}/benchmark", NpgsqlDbType.Text);
            }
            await import.CompleteAsync();
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var copied = await bench.Scalar($"SELECT count(*) FROM {CopyTable}");
        if (copied != events.Count) throw new InvalidOperationException($"COPY wrote {copied} of {events.Count} rows.");
        return new Figure(events.Count / elapsed.TotalSeconds, "identifiers/s");
    }

    /// The same number of identifiers, in the same shape (interleaved over as many cases, 100 per SaveChanges), appended
    /// through the hub's own store: the projections' share of the hub's cost. They join the lookup data set.
    private async Task<Appended> ThroughHubStore()
    {
        var sizes = bench.Sizes;
        var cases = await bench.OpenCases(RunningHub.UnitA, sizes.IngestCases);
        var first = SampleIdentifiers.Reserve(sizes.IngestCommands);
        var plan = Enumerable.Range(0, sizes.IngestCommands).Select(i => SampleIdentifiers.Added(cases[i % cases.Count], first + i)).ToList();
        Progress.Say($"ingest diagnostic: {plan.Count:N0} events through the hub's store, batches of {MartenBatch}");
        var latencies = new Latencies(plan.Count / MartenBatch + 1);
        var started = Stopwatch.GetTimestamp();
        foreach (var batch in plan.Chunk(MartenBatch))
        {
            var batchStarted = Stopwatch.GetTimestamp();
            await bench.AppendThroughHubStore(RunningHub.UnitA, batch);
            latencies.Add(batchStarted);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        bench.Holds(first, plan.Count);
        await bench.Settled();
        return new Appended(new Figure(plan.Count / elapsed.TotalSeconds, "identifiers/s"), latencies);
    }
}
