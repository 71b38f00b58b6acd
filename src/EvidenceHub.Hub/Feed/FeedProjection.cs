using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Handoffs;
using HandoffStatus = EvidenceHub.Contracts.V1.HandoffStatus;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Feed;

/// One item of a unit's feed as stored: the proto item, addressed and positioned.
public sealed class FeedEntry
{
    /// "{unit}/{position}".
    public string Id { get; set; } = "";
    public string Unit { get; set; } = "";
    /// The event's global sequence × 1000 + the item's ordinal among that event's items: increasing, never reused,
    /// and the same on every hub instance, so a client can resume from the last position it saw.
    public long Position { get; set; }
    public byte[] Item { get; set; } = [];
}

/// Derives the feed from the event store, asynchronously and in global order (Marten's daemon, on one hub instance at
/// a time), so that items appear once, in order, also across restarts and instances.
public sealed partial class FeedProjection : EventProjection
{
    /// At most one item per unit and event, and far fewer units than this.
    public const long ItemsPerEvent = 1000;

    public void Project(IEvent<CorrelationFound> e, IDocumentOperations operations)
    {
        var found = e.Data;
        var items = new List<(string Unit, FeedItem Item)>();
        if (Notice(found, found.Adding, found.Holding) is { } toAdding) items.Add((found.Adding.Unit, toAdding));
        // Two cases of one unit: one notice says it all.
        if (found.Holding.Unit != found.Adding.Unit && Notice(found, found.Holding, found.Adding) is { } toHolding)
            items.Add((found.Holding.Unit, toHolding));
        Store(operations, e, items);
    }

    public void Project(IEvent<CorrelationRetracted> e, IDocumentOperations operations)
    {
        var retracted = e.Data;
        // Only to the units that were told of the retracting case: to anyone else even its retraction is news.
        Store(operations, e, retracted.Recipients.DistinctBy(r => r.Unit)
            .Where(recipient => CaseDisclosure.Of(retracted.Retracting, new Recipient(recipient.Unit)) != DisclosureLevel.None)
            .Select(recipient => (recipient.Unit, new FeedItem
            {
                Retraction = new RetractionNotice
                {
                    IdentifierKey = retracted.Key,
                    RetractingUnit = retracted.Retracting.Unit,
                    RetractingCaseReference = retracted.Retracting.Reference,
                    Reason = retracted.Reason,
                    YourCaseId = recipient.CaseId.ToString(),
                },
            })).ToList());
    }

    public async Task Project(IEvent<HandoffRequested> e, IDocumentOperations operations) =>
        Store(operations, e, [(e.Data.TargetUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Requested, e.Data.FromUnit, e.Data.TargetUnit, e.Data.Reason))]);

    public async Task Project(IEvent<HandoffAccepted> e, IDocumentOperations operations) =>
        Store(operations, e, [(e.Data.FromUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Accepted, e.Data.FromUnit, e.Data.NewOwnerUnit, ""))]);

    public async Task Project(IEvent<HandoffDeclined> e, IDocumentOperations operations) =>
        Store(operations, e, [(e.Data.FromUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Declined, e.Data.FromUnit, e.Data.TargetUnit, e.Data.Reason))]);

    public async Task Project(IEvent<HandoffCancelled> e, IDocumentOperations operations) =>
        Store(operations, e, [(e.Data.TargetUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Cancelled, e.Data.FromUnit, e.Data.TargetUnit, e.Data.Reason))]);

    /// What the recipient's case learns of the other: what the other's policy discloses to the recipient's unit, and
    /// nothing at all (no notice) when that is nothing. The other case's owner is the one recorded when the
    /// correlation was found, which is its owner then.
    private static FeedItem? Notice(CorrelationFound found, CaseParty yours, CaseParty other)
    {
        if (CaseDisclosure.Of(other, new Recipient(yours.Unit)) == DisclosureLevel.None) return null;
        return new FeedItem
        {
            Correlation = new CorrelationNotice
            {
                IdentifierKey = found.Key,
                Kind = IdentifierRequests.ToProto(found.Kind),
                YourCaseId = yours.CaseId.ToString(),
                YourCaseReference = yours.Reference,
                OtherCase = new Disclosure
                {
                    OwnerUnit = other.Unit,
                    OwnerCountry = other.Country,
                    CaseReference = other.Reference,
                    Tlp = (Contracts.V1.Tlp)(int)other.Tlp,
                    HandlingCode = (Contracts.V1.HandlingCode)(int)other.HandlingCode,
                    HandlingRestrictions = other.HandlingRestrictions ?? "",
                    Kind = IdentifierRequests.ToProto(found.Kind),
                },
            },
        };
    }

    private static async Task<FeedItem> Handoff(IDocumentOperations operations, Guid caseId, Guid handoffId, HandoffStatus status, string from, string target, string reason)
    {
        var file = await operations.LoadAsync<CaseFile>(caseId);
        return new FeedItem
        {
            Handoff = new HandoffNotice
            {
                CaseId = caseId.ToString(), CaseReference = file?.Reference ?? "", HandoffId = handoffId.ToString(),
                Status = status, FromUnit = from, TargetUnit = target, Reason = reason,
            },
        };
    }

    private static void Store(IDocumentOperations operations, IEvent e, IReadOnlyList<(string Unit, FeedItem Item)> items)
    {
        for (var ordinal = 0; ordinal < items.Count; ordinal++)
        {
            var (unit, item) = items[ordinal];
            item.Position = e.Sequence * ItemsPerEvent + ordinal;
            item.At = Timestamp.FromDateTimeOffset(e.Timestamp);
            operations.Store(new FeedEntry { Id = $"{unit}/{item.Position}", Unit = unit, Position = item.Position, Item = item.ToByteArray() });
        }
        // Delivered when the daemon's transaction commits, to every hub instance's FeedSignals (PostgreSQL folds
        // repeats of one unit within a transaction into one notification).
        foreach (var unit in items.Select(i => i.Unit).Distinct())
            operations.QueueSqlCommand("SELECT pg_notify(?, ?)", FeedSignals.Channel, unit);
    }
}
