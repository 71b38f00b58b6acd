using System.Diagnostics;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Store;
using EvidenceHub.Testing;
using Marten;
using Marten.Events;
using Npgsql;

namespace EvidenceHub.Benchmarks;

/// What every scenario works with: the running hub, its database, the sizes, the report, and which identifiers the
/// hub holds so far (the lookups ask for those).
public sealed class BenchContext(RunningHub hub, ThrowawayDatabase database, NpgsqlDataSource rawSql, Sizes sizes, Report report)
{
    public const string Schema = EventStore.Schema;

    public RunningHub Hub { get; } = hub;
    public ThrowawayDatabase Database { get; } = database;
    /// Plain Npgsql on the same database, for the raw baselines and for checking what landed.
    public NpgsqlDataSource RawSql { get; } = rawSql;
    public Sizes Sizes { get; } = sizes;
    public Report Report { get; } = report;

    private readonly List<(long First, long Count)> held = [];

    /// Identifier numbers the hub holds, each in exactly one case.
    public void Holds(long first, long count)
    {
        lock (held) held.Add((first, count));
    }

    public long HeldCount
    {
        get { lock (held) return held.Sum(h => h.Count); }
    }

    /// A held identifier number picked at random.
    public long AnyHeld(Random random)
    {
        lock (held)
        {
            var pick = random.NextInt64(held.Sum(h => h.Count));
            foreach (var (first, count) in held)
            {
                if (pick < count) return first + pick;
                pick -= count;
            }
        }
        throw new InvalidOperationException("The hub holds no identifiers yet.");
    }

    /// Opens cases for a unit through Sync (the hub's own path: CaseFile snapshot, reference claim, receipt).
    public async Task<IReadOnlyList<Guid>> OpenCases(string unitId, int count, Tlp tlp = Tlp.Green)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        var outcome = await SyncStream.Run(Hub.Cases(unitId), ids.Select(id => SyncStream.OpenCase(id, tlp)).ToList());
        if (outcome.Failed > 0) throw new InvalidOperationException($"Opening {count} cases failed: {outcome.Failures}");
        return ids;
    }

    /// Appends identifier events straight through the hub's Marten store, as the command path would stamp them
    /// (unit, user, correlation id, command id), so that the hub's inline projections (CaseFile snapshot, identifier
    /// holdings, blind tokens) build exactly what they build for commands. No command receipts, no correlation
    /// decisions: every identifier loaded this way is new to the hub.
    public async Task AppendThroughHubStore(string unitId, IEnumerable<SuspectIdentifierAdded> events, CancellationToken cancellation = default)
    {
        var store = Hub.Service<IDocumentStore>();
        var caller = new Caller(unitId, "NL", [Roles.Unit], "bulk-load", $"CN={unitId}");
        await using var session = store.SessionFor(caller, "bench-" + Guid.NewGuid().ToString("N"));
        foreach (var added in events)
        {
            var commandId = Guid.NewGuid().ToString();
            var appended = session.Events.Append(added.CaseId, added).Events[^1];
            appended.CausationId = commandId;
            appended.SetHeader(EventHeaders.CommandId, commandId);
        }
        await session.SaveChangesAsync(cancellation);
    }

    /// Waits until the hub's background work has caught up with what is stored (the asynchronous projections, then
    /// the audit log's writer), so that it does not run into the next measurement.
    public async Task<TimeSpan> Settled()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await Hub.Service<IDocumentStore>().WaitForNonStaleProjectionDataAsync(Sizes.LogCatchUpBudget);
        }
        catch (Exception stale) when (stale is TimeoutException or InvalidOperationException)
        {
            Report.Note($"the asynchronous projections had not caught up after {Sizes.LogCatchUpBudget.TotalMinutes:F0} min; measuring anyway");
        }
        await LogCaughtUp();
        return Stopwatch.GetElapsedTime(started);
    }

    /// Waits until the audit log's writer has logged every stored event. Null when this hub keeps no audit log.
    private async Task<TimeSpan?> LogCaughtUp()
    {
        if (!await HasTable($"{Schema}.audit_log_entries")) return null;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < Sizes.LogCatchUpBudget)
        {
            var (stored, logged) = await Scalars2(
                $"SELECT (SELECT coalesce(max(seq_id), 0) FROM {Schema}.mt_events), (SELECT coalesce(max(sequence), 0) FROM {Schema}.audit_log_entries)");
            if (logged >= stored) return Stopwatch.GetElapsedTime(started);
            await Task.Delay(250);
        }
        Report.Note($"the audit log had not caught up with the store after {Sizes.LogCatchUpBudget.TotalMinutes:F0} min; measuring anyway");
        return Stopwatch.GetElapsedTime(started);
    }

    public async Task<bool> HasTable(string qualifiedName)
    {
        await using var command = RawSql.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
        command.Parameters.AddWithValue(qualifiedName);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long> Scalar(string sql, params object[] parameters)
    {
        await using var command = RawSql.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<(long, long)> Scalars2(string sql)
    {
        await using var command = RawSql.CreateCommand(sql);
        await using var row = await command.ExecuteReaderAsync();
        await row.ReadAsync();
        return (row.GetInt64(0), row.GetInt64(1));
    }
}
