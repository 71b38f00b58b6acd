using System.Threading.Channels;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace EvidenceHub.Hub.Audit;

/// Writes access records durably before the answer leaves the hub: Record returns once the records are committed.
/// Records that arrive while a commit runs go together in the next one (group commit), each commit being one new
/// stream of AccessRecorded events plus their rows in the access index, so the cost per record falls as load rises.
/// A commit is one round trip: the events go through Marten's own append function, so they are stored exactly as a
/// session would store them, in one batch with the index rows, which PostgreSQL runs as one implicit transaction.
/// Not through a Marten session: that costs a second round trip (its explicit COMMIT) and, with the daemon woken by
/// NOTIFY on every session append, several more in the daemon for events no projection reads.
public sealed class AccessLog : IAsyncDisposable
{
    public const int MaxBatch = 1000;

    private sealed record Pending(IReadOnlyList<AccessEntry> Entries, DateTimeOffset At, TaskCompletionSource Done);

    private readonly AuditDatabase database;
    private readonly ISerializer serializer;
    private readonly IEventType eventType;
    private readonly TimeProvider clock;
    private readonly LogWriter log;
    private readonly ILogger<AccessLog> logger;
    private readonly Errors.FailureLog failures;
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writing;

    public AccessLog(IDocumentStore store, AuditDatabase database, TimeProvider clock, LogWriter log, ILogger<AccessLog> logger, Errors.FailureLog failures)
    {
        this.failures = failures;
        this.database = database;
        serializer = store.Options.Serializer();
        eventType = ((IEventRegistry)store.Options.Events).EventMappingFor(typeof(AccessRecorded));
        this.clock = clock;
        this.log = log;
        this.logger = logger;
        writing = Task.Run(Write);
    }

    public Task Record(AccessEntry entry, CancellationToken cancellation) => Record([entry], cancellation);

    /// Records that stand for the call in progress (its answer or its refusal): once they are stored,
    /// AccessRecordingInterceptor adds no record of its own for the call.
    public async Task Record(IReadOnlyList<AccessEntry> entries, CancellationToken cancellation)
    {
        if (entries.Count == 0) return;
        await Store(entries, cancellation);
        CallAccessRecording.MarkRecorded();
    }

    /// Records of single commands or items inside a stream (Sync, BatchLookup): they stand for those items, not for
    /// the call, so should the stream itself fail, AccessRecordingInterceptor still records that.
    public Task RecordItems(IReadOnlyList<AccessEntry> entries, CancellationToken cancellation) =>
        entries.Count == 0 ? Task.CompletedTask : Store(entries, cancellation);

    private async Task Store(IReadOnlyList<AccessEntry> entries, CancellationToken cancellation)
    {
        var pending = new Pending(entries, clock.GetUtcNow(), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending)) throw new InvalidOperationException("The access log is shut down.");
        // The records are committed even if this caller gives up waiting: the answer it abandons was asked for.
        await pending.Done.Task.WaitAsync(cancellation);
    }

    private async Task Write()
    {
        var batch = new List<Pending>();
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            while (count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                count += pending.Entries.Count;
            }
            try
            {
                await Commit(batch);
                foreach (var pending in batch) pending.Done.TrySetResult();
                AuditTelemetry.AccessBatch.Record(count);
                log.Nudge();
            }
            catch (Exception exception) when (batch.Count > 1 && !IsUnavailable(exception))
            {
                // The database refused something in the group: it may be one caller's records. Commit each caller's
                // records on their own, so that only the call whose records cannot be stored fails.
                failures.Report(logger, "Writing access records together (retried one call at a time)", exception);
                foreach (var pending in batch)
                {
                    try
                    {
                        await Commit([pending]);
                        pending.Done.TrySetResult();
                    }
                    catch (Exception alone)
                    {
                        failures.Report(logger, "Writing the access records of one call", alone);
                        pending.Done.TrySetException(NotStored(alone));
                    }
                }
                log.Nudge();
            }
            catch (Exception exception)
            {
                failures.Report(logger, "Writing access records", exception);
                foreach (var pending in batch) pending.Done.TrySetException(NotStored(exception));
            }
        }
    }

    /// The database is away (not refusing the records themselves): no record can be stored, so no answer may leave.
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException or TimeoutException or System.Net.Sockets.SocketException => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    /// What the caller whose records could not be stored is told: UNAVAILABLE while the database is away (its answer
    /// is withheld and may be asked for again), otherwise the failure itself (INTERNAL: a fault of the hub's).
    private static Exception NotStored(Exception exception) => IsUnavailable(exception)
        ? new Errors.Rejection(new Google.Rpc.Status
        {
            Code = (int)Google.Rpc.Code.Unavailable,
            Message = "The access log cannot be written now, so the answer is withheld; try again shortly.",
            Details =
            {
                Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = "ACCESS_LOG_UNAVAILABLE", Domain = Errors.Rejection.Domain }),
                Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.RetryInfo { RetryDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }),
            },
        })
        : exception;

    private async Task Commit(List<Pending> batch)
    {
        var records = batch.SelectMany(p => p.Entries.Select(e => (Entry: e, p.At))).ToList();
        var entries = records.Select(r => r.Entry).ToList();
        var streamId = Guid.CreateVersion7();
        var storedAt = clock.GetUtcNow();
        // Without an explicit transaction the batch is one implicit transaction, committed before it returns.
        await using var command = database.DataSource.CreateBatch();
        // (stream, stream type, tenant, event ids, types, .NET types, bodies, binary bodies, causation ids,
        // correlation ids, headers, user names, timestamps): stream type and causation stay null, as a session leaves them.
        command.BatchCommands.Add(Command(
            $"SELECT {EventStore.Schema}.mt_quick_append_events($1, NULL, $2, $3, $4, $5, $6, NULL, NULL, $7, $8, $9, $10)",
            P(streamId, NpgsqlDbType.Uuid),
            P(JasperFx.StorageConstants.DefaultTenantId, NpgsqlDbType.Varchar),
            P(records.Select(_ => Guid.CreateVersion7()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid),
            P(records.Select(_ => eventType.EventTypeName).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Varchar),
            P(records.Select(_ => eventType.DotNetTypeName).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Varchar),
            P(records.Select(r => serializer.ToJson(ToEvent(r.Entry, r.At))).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Jsonb),
            P(entries.Select(e => e.CorrelationId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Varchar),
            P(entries.Select(e => serializer.ToJson(new Dictionary<string, object> { [EventHeaders.Unit] = e.Caller.UnitId, [EventHeaders.User] = e.Caller.User })).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Jsonb),
            P(entries.Select(e => e.Caller.Actor).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Varchar),
            P(records.Select(_ => storedAt).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)));
        command.BatchCommands.Add(Command(
            $"""
            INSERT INTO {AuditSchema.AccessIndex} (stream_id, version, at, unit, case_id, identifier_keys, disclosed_cases)
            SELECT $1, t.version, t.at, t.unit, t.case_id, coalesce(string_to_array(t.keys, E'\n'), ARRAY[]::text[]),
                   CAST(string_to_array(t.cases, ',') AS uuid[])
            FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::uuid[], $6::text[], $7::text[]) AS t(version, at, unit, case_id, keys, cases)
            """,
            P(streamId, NpgsqlDbType.Uuid),
            P(records.Select((_, i) => (long)i + 1).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
            P(records.Select(r => r.At).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz),
            P(entries.Select(e => e.Caller.UnitId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
            P(entries.Select(e => e.CaseId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid),
            P(entries.Select(e => e.IdentifierKeys.Count == 0 ? null : string.Join('\n', e.IdentifierKeys)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
            P(entries.Select(e => e.DisclosedCases.Count == 0 ? null : string.Join(',', e.DisclosedCases.Select(c => c.CaseId).Distinct())).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)));
        await command.ExecuteNonQueryAsync(CancellationToken.None);
        foreach (var entry in entries)
            AuditTelemetry.AccessRecords.Add(1, new KeyValuePair<string, object?>("outcome", entry.Outcome.ToString()));
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter P(object value, NpgsqlDbType type) => new() { NpgsqlDbType = type, Value = value };

    private static AccessRecorded ToEvent(AccessEntry entry, DateTimeOffset at) => new(
        at, entry.Caller.UnitId, entry.Caller.User, entry.Caller.CertificateSubject, entry.Operation, entry.Outcome,
        entry.Justification, entry.Asked, entry.Disclosed, entry.RecipientUnit, entry.CaseId, entry.IdentifierKeys, entry.CorrelationId,
        entry.DisclosedCases.Count == 0 ? null : entry.DisclosedCases);

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writing;
    }
}
