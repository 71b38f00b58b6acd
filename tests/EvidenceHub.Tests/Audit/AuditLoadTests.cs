using System.Diagnostics;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace EvidenceHub.Tests.Audit;

/// An event type only these tests append: the replay and the log must handle any event type generically.
public sealed record ReplayProbe(int Number, string Note);

/// Replay of a long case, the log catching up with it, and the access log under concurrent load, checked for
/// correctness only: speed is measured by the benchmarks (ops/bench.sh), not asserted here. A hub of its own, so that
/// the long case does not slow the other tests' log. Prints what it saw.
public sealed class AuditLoadTests(HubFixture hub, ITestOutputHelper output) : IClassFixture<HubFixture>
{
    // Many replay pages and log rounds; the 100,000-event figure belongs to the benchmarks.
    private const int CaseEvents = 5_000;

    [Fact]
    public async Task A_long_case_replays_in_order_and_the_log_and_its_verification_keep_up()
    {
        var caseId = await hub.Cases("NL-TBKK").OpenedCase();
        var store = hub.Factory.Services.GetRequiredService<IDocumentStore>();
        var seeding = Stopwatch.StartNew();
        for (var start = 0; start < CaseEvents - 1; start += 1000)
        {
            await using var session = store.LightweightSession();
            session.Events.Append(Guid.Parse(caseId), Enumerable.Range(start, Math.Min(1000, CaseEvents - 1 - start))
                .Select(i => (object)new ReplayProbe(i, "probe event of about the size of a real one, with some text in it")).ToArray());
            await session.SaveChangesAsync();
        }
        output.WriteLine($"seeded {CaseEvents:N0} events in {seeding.Elapsed.TotalSeconds:F1} s");

        var audit = hub.Audit("EU-AUDIT");
        var replaying = Stopwatch.StartNew();
        using var call = audit.ReplayCase(new ReplayCaseRequest { CaseId = caseId, Justification = AuditClient.Why });
        long expected = 1, probes = 0;
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal(expected++, e.Version);
            if (e.EventType == "replay_probe") probes++;
        }
        replaying.Stop();
        Assert.Equal(CaseEvents + 1, expected);
        Assert.Equal(CaseEvents - 1, probes);
        output.WriteLine($"replayed {CaseEvents:N0} events in {replaying.Elapsed.TotalSeconds:F2} s: {CaseEvents / replaying.Elapsed.TotalSeconds:N0} events/s");

        var logging = Stopwatch.StartNew();
        var checkpoint = await audit.CheckpointCovering(CaseEvents, TimeSpan.FromMinutes(3));
        output.WriteLine($"log caught up to {checkpoint.TreeSize:N0} entries {logging.Elapsed.TotalSeconds:F1} s after the replay");

        var proving = Stopwatch.StartNew();
        var proof = await audit.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = AuditClient.Why, Position = checkpoint.TreeSize / 3, TreeSize = checkpoint.TreeSize });
        Assert.True(Rfc9162.VerifyInclusion(proof.Position, proof.TreeSize, Rfc9162.LeafHash(proof.Entry.Leaf.ToByteArray()), proof.AuditPath.Select(p => p.ToByteArray()).ToList(), checkpoint.RootHash.ToByteArray()));
        var consistency = await audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = AuditClient.Why, FirstSize = checkpoint.TreeSize / 2 + 1, SecondSize = checkpoint.TreeSize });
        Assert.Equal(checkpoint.RootHash, consistency.SecondRootHash);
        output.WriteLine($"inclusion and consistency proofs over {checkpoint.TreeSize:N0} entries in {proving.Elapsed.TotalMilliseconds:F0} ms");

        var verifying = Stopwatch.StartNew();
        var verification = await audit.VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why });
        Assert.True(verification.Intact, verification.Problem);
        output.WriteLine($"VerifyLog recomputed {verification.EntriesChecked:N0} entries and {verification.CheckpointsChecked:N0} checkpoints in {verifying.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Access_records_of_concurrent_readers_are_group_committed_and_none_is_lost()
    {
        var accessLog = hub.Factory.Services.GetRequiredService<AccessLog>();
        var caller = new Caller("NL-TBKK", "NL", [Roles.Unit], "load", "CN=NL-TBKK");
        AccessEntry Entry(int i) => new(caller, "Lookup", Hub.Audit.AccessOutcome.Allowed, "load test", $"identifier {i}", "no hit", null, $"load-{i}")
            { IdentifierKeys = [$"phone:+3161{i:D7}"] };
        var batches = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (instrument.Name == "evidencehub.audit.access.batch") l.EnableMeasurementEvents(instrument); },
        };
        meters.SetMeasurementEventCallback<int>((_, size, _, _) => batches.Add(size));
        meters.Start();

        const int readers = 64, each = 20;
        await Task.WhenAll(Enumerable.Range(0, readers).Select(r => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++) await accessLog.Record(Entry(r * each + i), CancellationToken.None);
        })));

        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM evidencehub.audit_access_index WHERE unit = 'NL-TBKK' AND identifier_keys[1] LIKE 'phone:+3161%'", connection);
        Assert.Equal(readers * each, (long)(await count.ExecuteScalarAsync())!);
        // Records waiting together share one commit: fewer commits than records.
        Assert.Contains(batches, size => size > 1);
        output.WriteLine($"{readers * each} records in {batches.Count} commits, largest {batches.Max()}");
    }

    [Fact]
    public async Task Reads_under_load_each_leave_one_access_record()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        const int calls = 320, parallel = 32;
        var reading = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(p => Task.Run(async () =>
        {
            var client = hub.Cases("NL-TBKK", user: $"reader{p}");
            for (var i = 0; i < calls / parallel; i++)
                await client.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "load" } });
        })));
        reading.Stop();
        output.WriteLine($"{calls} GetCase calls by {parallel} clients, each durably logged before answering: {calls / reading.Elapsed.TotalSeconds:N0} calls/s");
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "NL-TBKK" });
        Assert.Equal(calls / parallel * parallel, records.Count(r => r.Operation == "GetCase"));
    }
}
