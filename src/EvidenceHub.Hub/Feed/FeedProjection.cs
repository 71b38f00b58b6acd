using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Handoffs;
using HandoffStatus = EvidenceHub.Contracts.V1.HandoffStatus;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using System.Runtime.CompilerServices;
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
    /// The item's place in its unit's own feed: 1, 2, 3, … with no gaps, so a client can resume from the last position
    /// it saw. Never a global counter: the gap between two of a unit's positions would count the events in between,
    /// other units' and hidden cases' included.
    public long Position { get; set; }
    public byte[] Item { get; set; } = [];
}

/// The last position given out in one unit's feed (its id is the unit's id).
public sealed class FeedCounter
{
    public string Id { get; set; } = "";
    public long LastPosition { get; set; }
}

/// Derives the feed from the event store, asynchronously and in global order (Marten's daemon, on one hub instance at
/// a time), so that items appear once, in order, also across restarts and instances. Each unit's positions are counted
/// here, in that one global order, so they are the same on every instance; a rebuild first clears the items and the
/// counters (DeleteViewTypeOnTeardown) and replays every event in the same order, so it gives every item the position
/// it had.
public sealed partial class FeedProjection : EventProjection
{
    /// The counters a batch has loaded or advanced, per batch (the daemon hands one IDocumentOperations to all of a
    /// batch's events): stored counters are only read back from the database once their batch has committed.
    private readonly ConditionalWeakTable<IDocumentOperations, Dictionary<string, FeedCounter>> batches = new();

    public FeedProjection()
    {
        Options.DeleteViewTypeOnTeardown<FeedEntry>();
        Options.DeleteViewTypeOnTeardown<FeedCounter>();
    }

    public async Task Project(IEvent<CorrelationFound> e, IDocumentOperations operations)
    {
        var found = e.Data;
        var items = new List<(string Unit, FeedItem Item)>();
        if (Notice(found, found.Adding, found.Holding) is { } toAdding) items.Add((found.Adding.Unit, toAdding));
        // Two cases of one unit: one notice says it all.
        if (found.Holding.Unit != found.Adding.Unit && Notice(found, found.Holding, found.Adding) is { } toHolding)
            items.Add((found.Holding.Unit, toHolding));
        await Store(operations, e, items);
    }

    public async Task Project(IEvent<CorrelationRetracted> e, IDocumentOperations operations)
    {
        var retracted = e.Data;
        // Only to the units that were told of the retracting case: to anyone else even its retraction is news.
        await Store(operations, e, retracted.Recipients.DistinctBy(r => r.Unit)
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
        await Store(operations, e, [(e.Data.TargetUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Requested, e.Data.FromUnit, e.Data.TargetUnit, e.Data.Reason))]);

    public async Task Project(IEvent<HandoffAccepted> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.FromUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Accepted, e.Data.FromUnit, e.Data.NewOwnerUnit, ""))]);

    public async Task Project(IEvent<HandoffDeclined> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.FromUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Declined, e.Data.FromUnit, e.Data.TargetUnit, e.Data.Reason))]);

    public async Task Project(IEvent<HandoffCancelled> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.TargetUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Cancelled, e.Data.FromUnit, e.Data.TargetUnit, e.Data.Reason))]);

    /// What the recipient's case learns of the other: what the other's policy discloses to the recipient's unit, and
    /// nothing at all (no notice) when that is nothing. The other case's owner is the one recorded when the
    /// correlation was found, which is its owner then.
    private static FeedItem? Notice(CorrelationFound found, CaseParty yours, CaseParty other)
    {
        if (CaseDisclosure.Of(other, new Recipient(yours.Unit)) == DisclosureLevel.None) return null;
        var item = new FeedItem
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
        if (found.Distance is { } distance) item.Correlation.Distance = distance;
        return item;
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

    private async Task Store(IDocumentOperations operations, IEvent e, IReadOnlyList<(string Unit, FeedItem Item)> items)
    {
        foreach (var (unit, item) in items)
        {
            item.Position = await NextPosition(operations, unit);
            item.At = Timestamp.FromDateTimeOffset(e.Timestamp);
            // Insert, not Store: a position given out twice fails the batch (and the daemon retries it) rather than
            // silently replacing an item a client may already have.
            operations.Insert(new FeedEntry { Id = $"{unit}/{item.Position}", Unit = unit, Position = item.Position, Item = item.ToByteArray() });
        }
        // Delivered when the daemon's transaction commits, to every hub instance's FeedSignals (PostgreSQL folds
        // repeats of one unit within a transaction into one notification).
        foreach (var unit in items.Select(i => i.Unit).Distinct())
            operations.QueueSqlCommand("SELECT pg_notify(?, ?)", FeedSignals.Channel, unit);
    }

    private async Task<long> NextPosition(IDocumentOperations operations, string unit)
    {
        var counters = batches.GetOrCreateValue(operations);
        if (!counters.TryGetValue(unit, out var counter))
            counters[unit] = counter = await operations.LoadAsync<FeedCounter>(unit) ?? new FeedCounter { Id = unit };
        counter.LastPosition++;
        // Stored with the items, in the daemon's transaction: a counter never runs ahead of, or behind, its items.
        operations.Store(counter);
        return counter.LastPosition;
    }
}
