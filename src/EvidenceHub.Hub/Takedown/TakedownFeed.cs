using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Takedown;
using JasperFx.Events;
using Marten;

namespace EvidenceHub.Hub.Feed;

/// Takedown requests on the feed: each notice to its provider, each answer to the requesting unit.
public sealed partial class FeedProjection
{
    public async Task Project(IEvent<TakedownFiled> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.Provider, new FeedItem { Takedown = TakedownMapping.Notice(TakedownRecord.Fold(null, e.Data, "", "")!, 1, TakedownState.Open) })]);

    /// The request's material, locations and requesting unit never change after it was filed, so the stored record
    /// gives them also when the feed is rebuilt; the status is the event's own.
    public async Task Project(IEvent<TakedownRenotified> e, IDocumentOperations operations)
    {
        if (await operations.LoadAsync<TakedownRecord>(e.Data.RequestId) is not { } record) return;
        await Store(operations, e, [(e.Data.Provider, new FeedItem
        {
            Takedown = TakedownMapping.Notice(record, e.Data.Notification, e.Data.Acknowledged ? TakedownState.Acknowledged : TakedownState.Open),
        })]);
    }

    public Task Project(IEvent<TakedownAcknowledged> e, IDocumentOperations operations) =>
        TakedownAnswered(operations, e, e.Data.RequestId, TakedownState.Acknowledged, e.Data.Note);

    public Task Project(IEvent<TakedownRemoved> e, IDocumentOperations operations) =>
        TakedownAnswered(operations, e, e.Data.RequestId, TakedownState.Removed, e.Data.Note);

    public Task Project(IEvent<TakedownRefused> e, IDocumentOperations operations) =>
        TakedownAnswered(operations, e, e.Data.RequestId, TakedownState.Refused, e.Data.Reason);

    private async Task TakedownAnswered(IDocumentOperations operations, IEvent e, Guid requestId, TakedownState status, string? answer)
    {
        if (await operations.LoadAsync<TakedownRecord>(requestId) is not { } record) return;
        var file = await operations.LoadAsync<CaseFile>(record.CaseId);
        await Store(operations, e, [(record.RequestingUnit, new FeedItem
        {
            TakedownAnswer = new TakedownAnswerNotice
            {
                RequestId = requestId.ToString(), CaseId = record.CaseId.ToString(), CaseReference = file?.Reference ?? "", Provider = record.Provider,
                Status = TakedownMapping.ToProto(status), Answer = answer ?? "",
            },
        })]);
    }
}
