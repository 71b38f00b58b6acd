using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Takedown;
using JasperFx.Events;
using Marten;

namespace EvidenceHub.Hub.Feed;

/// Takedown requests on the feed: each notice to its provider (a withdrawal too), each answer to the requesting unit.
/// Their texts stay sealed in the items and are opened when delivered, so that an erased case's read "[erased]".
public sealed partial class FeedProjection
{
    public async Task Project(IEvent<TakedownFiled> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.Provider, new FeedItem { Takedown = TakedownMapping.Notice(TakedownRecord.Fold(null, e.Data, "", "")!, 1, TakedownState.Open) })],
            NoteOf(e.Data.Note));

    /// The request's material, locations and requesting unit never change after it was filed, so the stored record
    /// gives them also when the feed is rebuilt; the status is the event's own.
    public async Task Project(IEvent<TakedownRenotified> e, IDocumentOperations operations)
    {
        if (await operations.LoadAsync<TakedownRecord>(e.Data.RequestId) is not { } record) return;
        await Store(operations, e, [(e.Data.Provider, new FeedItem
        {
            Takedown = TakedownMapping.Notice(record, e.Data.Notification, e.Data.Acknowledged ? TakedownState.Acknowledged : TakedownState.Open),
        })], NoteOf(record.Note));
    }

    /// The provider is told once that it need not act: the requesting unit's reason, or the hub's words. When the hub
    /// withdrew it, the requesting unit is told too (it did not do it): of an erased case only its reference, as
    /// CaseErasedNotice names it, so that nothing ties the item to the case's id.
    public async Task Project(IEvent<TakedownWithdrawn> e, IDocumentOperations operations)
    {
        if (await operations.LoadAsync<TakedownRecord>(e.Data.RequestId) is not { } record) return;
        var notice = TakedownMapping.Notice(record, record.Notifications, TakedownState.Withdrawn);
        List<(string Unit, FeedItem Item)> items = [(e.Data.Provider, new FeedItem { Takedown = notice })];
        if (e.Data.Cause != TakedownWithdrawal.ByRequestingUnit)
        {
            notice.WithdrawalReason = TakedownWithdrawals.ToProvider;
            var file = await operations.LoadAsync<CaseFile>(record.CaseId);
            items.Add((record.RequestingUnit, new FeedItem
            {
                TakedownWithdrawn = new TakedownWithdrawnNotice
                {
                    RequestId = record.Id.ToString(), CaseId = file is null || file.IsErased ? "" : record.CaseId.ToString(), CaseReference = file?.Reference ?? "",
                    Provider = record.Provider, Reason = TakedownWithdrawals.ToRequestingUnit(e.Data.Cause, file?.IsLedBy(record.RequestingUnit) == true),
                },
            }));
        }
        List<SealedText> texts = [.. NoteOf(record.Note)];
        if (e.Data.Reason is { } reason) texts.Add(new SealedText("takedown.withdrawal_reason", nameof(TakedownWithdrawn.Reason), reason));
        await Store(operations, e, items, texts);
    }

    private static List<SealedText> NoteOf(Sealed? note) => note is null ? [] : [new SealedText("takedown.note", nameof(TakedownFiled.Note), note)];

    public Task Project(IEvent<TakedownAcknowledged> e, IDocumentOperations operations) =>
        TakedownAnswered(operations, e, e.Data.RequestId, TakedownState.Acknowledged, e.Data.Note, nameof(TakedownAcknowledged.Note));

    public Task Project(IEvent<TakedownRemoved> e, IDocumentOperations operations) =>
        TakedownAnswered(operations, e, e.Data.RequestId, TakedownState.Removed, e.Data.Note, nameof(TakedownRemoved.Note));

    public Task Project(IEvent<TakedownRefused> e, IDocumentOperations operations) =>
        TakedownAnswered(operations, e, e.Data.RequestId, TakedownState.Refused, e.Data.Reason, nameof(TakedownRefused.Reason));

    private async Task TakedownAnswered(IDocumentOperations operations, IEvent e, Guid requestId, TakedownState status, Sealed? answer, string field)
    {
        if (await operations.LoadAsync<TakedownRecord>(requestId) is not { } record) return;
        var file = await operations.LoadAsync<CaseFile>(record.CaseId);
        await Store(operations, e, [(record.RequestingUnit, new FeedItem
        {
            TakedownAnswer = new TakedownAnswerNotice
            {
                RequestId = requestId.ToString(), CaseId = record.CaseId.ToString(), CaseReference = file?.Reference ?? "", Provider = record.Provider,
                Status = TakedownMapping.ToProto(status),
            },
        })], answer is null ? [] : [new SealedText("takedown_answer.answer", field, answer)]);
    }
}
