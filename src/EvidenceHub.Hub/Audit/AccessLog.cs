using System.Threading.Channels;
using EvidenceHub.Hub.Identity;
using Marten;

namespace EvidenceHub.Hub.Audit;

public enum AccessOutcome { Allowed = 1, Refused = 2, Failed = 3 }

/// One consultation or disclosure of case data (LED Art. 25, CJIS 5.4) as the caller describes it: who, why, what was
/// asked, what was disclosed (a summary: which cases and fields, never victim details) and to which unit.
public sealed record AccessEntry(
    Caller Caller,
    string Operation,
    AccessOutcome Outcome,
    string? Justification,
    string Asked,
    string? Disclosed,
    Guid? CaseId,
    string CorrelationId)
{
    /// The unit that received the disclosure: the caller, when anything was disclosed.
    public string? RecipientUnit => Outcome == AccessOutcome.Allowed && Disclosed is not null ? Caller.UnitId : null;

    /// Canonical keys (e.g. "phone:+31612345678") of the identifiers asked about or disclosed, so that an auditor can
    /// ask who looked up a given identifier.
    public IReadOnlyList<string> IdentifierKeys { get; init; } = [];
}

/// An access record as stored: an event, so that access records and case events share one global order and one
/// tamper-evident log.
public sealed record AccessRecorded(
    DateTimeOffset At,
    string Unit,
    string User,
    string CertificateSubject,
    string Operation,
    AccessOutcome Outcome,
    string? Justification,
    string Asked,
    string? Disclosed,
    string? RecipientUnit,
    Guid? CaseId,
    IReadOnlyList<string> IdentifierKeys,
    string CorrelationId);

/// Writes access records durably before the answer leaves the hub: Record returns once the records are committed.
/// Records that arrive while a commit runs go together in the next one (group commit), each commit being one new
/// stream of AccessRecorded events plus their rows in the access index, so the cost per record falls as load rises.
public sealed class AccessLog : IAsyncDisposable
{
    public const int MaxBatch = 1000;

    private sealed record Pending(IReadOnlyList<AccessEntry> Entries, DateTimeOffset At, TaskCompletionSource Done);

    private readonly IDocumentStore store;
    private readonly TimeProvider clock;
    private readonly LogWriter log;
    private readonly ILogger<AccessLog> logger;
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writing;

    public AccessLog(IDocumentStore store, TimeProvider clock, LogWriter log, ILogger<AccessLog> logger)
    {
        this.store = store;
        this.clock = clock;
        this.log = log;
        this.logger = logger;
        writing = Task.Run(Write);
    }

    public Task Record(AccessEntry entry, CancellationToken cancellation) => Record([entry], cancellation);

    public async Task Record(IReadOnlyList<AccessEntry> entries, CancellationToken cancellation)
    {
        if (entries.Count == 0) return;
        var pending = new Pending(entries, clock.GetUtcNow(), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending)) throw new InvalidOperationException("The access log is shut down.");
        // The records are committed even if this caller gives up waiting: the answer it abandons was asked for.
        await pending.Done.Task.WaitAsync(cancellation);
        CallAccessRecording.MarkRecorded();
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
            catch (Exception exception)
            {
                logger.LogError(exception, "Writing {Count} access records failed", count);
                foreach (var pending in batch) pending.Done.TrySetException(exception);
            }
        }
    }

    private async Task Commit(List<Pending> batch)
    {
        await using var session = store.LightweightSession();
        var records = batch.SelectMany(p => p.Entries.Select(e => (Entry: e, p.At))).ToList();
        var streamId = Guid.CreateVersion7();
        var action = session.Events.StartStream(streamId, records.Select(r => (object)ToEvent(r.Entry, r.At)).ToArray());
        for (var i = 0; i < records.Count; i++)
        {
            var (entry, _) = records[i];
            var stored = action.Events[i];
            stored.UserName = entry.Caller.Actor;
            stored.CorrelationId = entry.CorrelationId;
            stored.SetHeader("unit", entry.Caller.UnitId);
            stored.SetHeader("user", entry.Caller.User);
        }
        session.QueueSqlCommand(
            $"""
            INSERT INTO {AuditSchema.AccessIndex} (stream_id, version, at, unit, case_id, identifier_keys)
            SELECT ?, t.version, t.at, t.unit, t.case_id, coalesce(string_to_array(t.keys, E'\n'), ARRAY[]::text[])
            FROM unnest(?::bigint[], ?::timestamptz[], ?::text[], ?::uuid[], ?::text[]) AS t(version, at, unit, case_id, keys)
            """,
            streamId,
            records.Select((_, i) => (long)i + 1).ToArray(),
            records.Select(r => r.At).ToArray(),
            records.Select(r => r.Entry.Caller.UnitId).ToArray(),
            records.Select(r => r.Entry.CaseId).ToArray(),
            records.Select(r => r.Entry.IdentifierKeys.Count == 0 ? null : string.Join('\n', r.Entry.IdentifierKeys)).ToArray());
        await session.SaveChangesAsync(CancellationToken.None);
        foreach (var (entry, _) in records)
            AuditTelemetry.AccessRecords.Add(1, new KeyValuePair<string, object?>("outcome", entry.Outcome.ToString()));
    }

    private static AccessRecorded ToEvent(AccessEntry entry, DateTimeOffset at) => new(
        at, entry.Caller.UnitId, entry.Caller.User, entry.Caller.CertificateSubject, entry.Operation, entry.Outcome,
        entry.Justification, entry.Asked, entry.Disclosed, entry.RecipientUnit, entry.CaseId, entry.IdentifierKeys, entry.CorrelationId);

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writing;
    }
}
