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
/// after a crash, or run on another instance at the same moment, sends nothing twice. Each round first withdraws the
/// open requests whose material is no longer the case's to ask about (TakedownWithdrawals), so none of them is
/// notified again.
public sealed class TakedownRenotification(
    IDocumentStore store, AccessLog accessLog, IOptions<TakedownOptions> takedown, IOptions<TimedWorkOptions> options, ILogger<TakedownRenotification> logger)
    : ITimedWork
{
    public string Name => "takedown re-notifications";

    public async Task<int> RunDue(DateTimeOffset now, CancellationToken cancellation) => await Withdraw(now, cancellation) + await Renotify(now, cancellation);

    private async Task<int> Withdraw(DateTimeOffset now, CancellationToken cancellation)
    {
        IReadOnlyList<(Guid Id, TakedownWithdrawal Cause)> due;
        await using (var query = store.QuerySession()) due = await TakedownWithdrawals.Due(query, options.Value.MaxPerRound, cancellation);
        var acted = 0;
        foreach (var (id, cause) in due)
        {
            await using var session = store.SessionFor(HubCaller.Instance, HubCommandRunning.CorrelationId);
            var stream = await session.Events.FetchForWriting<TakedownRecord>(id, cancellation);
            if (stream.Aggregate is not { } record || TakedownWithdrawals.ByHub(record, cause, now) is not { } withdrawn) continue;
            stream.AppendOne(withdrawn);
            try { await session.SaveChangesAsync(cancellation); }
            catch (ConcurrencyException)
            {
                logger.LogInformation("Timed work left takedown request {Request}: it changed meanwhile", id);
                continue;
            }
            await accessLog.Record(AccessEntry.For(HubCaller.Instance, "WithdrawTakedownRequest", HubCommandRunning.CorrelationId)
                .Justified("takedown request whose material is no longer the case's to ask about")
                .Asking($"withdraw takedown request {id}").AboutCase(record.CaseId)
                .Allowed($"to {record.Provider}: takedown request {id} withdrawn by the hub ({TakedownWithdrawals.Cause(cause)})"), cancellation);
            acted++;
        }
        return acted;
    }

    private async Task<int> Renotify(DateTimeOffset now, CancellationToken cancellation)
    {
        var interval = takedown.Value.RenotifyInterval;
        IReadOnlyList<Guid> due;
        await using (var query = store.QuerySession())
        {
            string Table<T>() => query.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
            due = await query.QueryAsync<Guid>($"""
                SELECT r.id FROM {Table<TakedownRecord>()} r
                WHERE r.data ->> 'Status' IN ('Open', 'Acknowledged') AND CAST(r.data ->> 'LastNotifiedAt' AS timestamptz) <= ?
                  AND {TakedownWithdrawals.CauseOf("r", Table<Cases.CaseFile>(), Table<Media.MediaRecord>(), Table<Identifiers.IdentifierHolding>())} IS NULL
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
