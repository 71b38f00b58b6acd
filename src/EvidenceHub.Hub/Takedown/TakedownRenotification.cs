using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Hub.Store;
using JasperFx;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Takedown;

/// Open requests (acknowledged ones too: the material is not gone yet) are sent to their provider again every
/// Takedown:RenotifyInterval until it reports removal or refuses, as Project Arachnid re-sends its notices. Each
/// re-notification is decided on the request's current state and appended at the version read, so a round repeated
/// after a crash, or run on another instance at the same moment, sends nothing twice.
public sealed class TakedownRenotification(
    IDocumentStore store, AccessLog accessLog, IOptions<TakedownOptions> takedown, IOptions<TimedWorkOptions> options, ILogger<TakedownRenotification> logger)
    : ITimedWork
{
    public string Name => "takedown re-notifications";

    public async Task<int> RunDue(DateTimeOffset now, CancellationToken cancellation)
    {
        var interval = takedown.Value.RenotifyInterval;
        IReadOnlyList<Guid> due;
        await using (var query = store.QuerySession())
        {
            var table = query.DocumentStore.Options.FindOrResolveDocumentType(typeof(TakedownRecord)).TableName.QualifiedName;
            due = await query.QueryAsync<Guid>($"""
                SELECT r.id FROM {table} r
                WHERE r.data ->> 'Status' IN ('Open', 'Acknowledged') AND CAST(r.data ->> 'LastNotifiedAt' AS timestamptz) <= ?
                ORDER BY CAST(r.data ->> 'LastNotifiedAt' AS timestamptz)
                LIMIT ?
                """, cancellation, now - interval, options.Value.MaxPerRound);
        }
        var acted = 0;
        foreach (var id in due)
        {
            await using var session = store.SessionFor(HubCaller.Instance, HubCommandRunning.CorrelationId);
            var stream = await session.Events.FetchForWriting<TakedownRecord>(id, cancellation);
            if (stream.Aggregate is not { } record || TakedownAnswer.Renotify(record, interval, now) is not { } again) continue;
            stream.AppendOne(again);
            try { await session.SaveChangesAsync(cancellation); }
            catch (ConcurrencyException)
            {
                // The provider answered, or another round sent it, meanwhile: the next round decides again.
                logger.LogInformation("Timed work left takedown request {Request}: it changed meanwhile", id);
                continue;
            }
            await accessLog.Record(AccessEntry.For(HubCaller.Instance, "RenotifyTakedown", HubCommandRunning.CorrelationId)
                .Justified("takedown request not removed or refused: sent again every Takedown:RenotifyInterval")
                .Asking($"re-notify takedown request {id}").AboutCase(record.CaseId)
                .Allowed($"to {record.Provider}: takedown request {id} again (notification {again.Notification})"), cancellation);
            acted++;
        }
        return acted;
    }
}
