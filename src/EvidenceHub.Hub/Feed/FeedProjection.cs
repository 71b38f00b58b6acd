using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Handoffs;
using HandoffStatus = EvidenceHub.Contracts.V1.HandoffStatus;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Quality;
using Grading = EvidenceHub.Hub.Quality.Grading;
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
    /// The case the item is about, for its recipient (its case_id, or your_case_id): an erased case's items go with it.
    public Guid? CaseId { get; set; }
    /// Free text of the item, sealed as its event holds it (under the case subject of the case that wrote it), never
    /// stored readable here: the feed opens it when it delivers the item, so that once that case is erased the text reads
    /// "[erased]" in every unit's feed, without rewriting any item.
    public List<SealedText> Texts { get; set; } = [];
    /// Identifiers of the item the recipient itself asked the hub about by value (a partner's lookup): delivered named
    /// by that value, opened from the holding of the case the item is about while it still holds it.
    public NamedByValue? ByValue { get; set; }
}

/// Keys of an item to name by value, and the case whose holdings open them.
public sealed record NamedByValue(Guid Case, List<string> Keys);

/// One sealed text of a feed item: where it goes ("{item field}.{field}", proto names) and the event field it was
/// sealed as.
public sealed record SealedText(string Path, string Field, Sealed Value);

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
        var items = new List<(string Unit, FeedItem Item, IReadOnlyList<SealedText> Own)>();
        // Every unit leading either case (owner, co-leads) is told, each of the other case what its policy discloses to
        // that unit, with the other case's grading; a unit leading both cases gets one notice, which says it all.
        var told = new HashSet<string>();
        foreach (var (yours, other, othersGrading) in new[] { (found.Adding, found.Holding, found.HoldingGrading), (found.Holding, found.Adding, found.AddingGrading) })
            foreach (var unit in yours.LeadUnits())
                if (told.Add(unit) && Notice(found, yours, other, unit, othersGrading) is { } notice) items.Add((unit, notice, RestrictionsOf(other)));
        await StoreEach(operations, e, items);
    }

    public async Task Project(IEvent<CorrelationRetracted> e, IDocumentOperations operations)
    {
        var retracted = e.Data;
        // Only to the units that were told of the retracting case: to anyone else even its retraction is news.
        await Store(operations, e, retracted.Recipients.DistinctBy(r => r.Unit)
            .Where(recipient => CaseDisclosure.Of(retracted.Retracting, new Recipient(recipient.Unit)) != DisclosureLevel.None)
            .Select(recipient => (recipient.Unit, retracted.Erased
                ? new FeedItem
                {
                    // Named by the match key: the feed opens it to the recipient's own key of the identifier.
                    Erasure = new ErasureNotice
                    {
                        IdentifierKey = retracted.Key,
                        ErasingUnit = retracted.Retracting.Unit,
                        ErasingCaseReference = retracted.Retracting.Reference,
                        YourCaseId = recipient.CaseId.ToString(),
                    },
                }
                : retracted.ReplacedBy is null
                ? new FeedItem
                {
                    Retraction = new RetractionNotice
                    {
                        IdentifierKey = retracted.Key,
                        RetractingUnit = retracted.Retracting.Unit,
                        RetractingCaseReference = retracted.Retracting.Reference,
                        YourCaseId = recipient.CaseId.ToString(),
                    },
                }
                : new FeedItem
                {
                    Correction = new CorrectionNotice
                    {
                        IdentifierKey = retracted.Key,
                        CorrectingUnit = retracted.Retracting.Unit,
                        CorrectingCaseReference = retracted.Retracting.Reference,
                        YourCaseId = recipient.CaseId.ToString(),
                        // No more than the recipient knew: the replacement only when its case holds it too.
                        ReplacementKey = recipient.HoldsReplacement ? retracted.ReplacedBy : "",
                    },
                }))
            // Those that looked it up: named by the match key (the value is destroyed), beside the case it named.
            .Concat(retracted.LookedUpBy.Where(unit => retracted.Recipients.All(r => r.Unit != unit))
                .Where(unit => CaseDisclosure.Of(retracted.Retracting, new Recipient(unit)) != DisclosureLevel.None)
                .Select(unit => (unit, new FeedItem
                {
                    Erasure = new ErasureNotice { IdentifierKey = retracted.Key, ErasingUnit = retracted.Retracting.Unit, ErasingCaseReference = retracted.Retracting.Reference },
                })))
            .ToList(),
            // The retracting unit's reason, opened when the feed delivers the notice.
            retracted.Reason is { } reason
                ? [new SealedText("retraction.reason", nameof(CorrelationRetracted.Reason), reason), new SealedText("correction.reason", nameof(CorrelationRetracted.Reason), reason)]
                : null);
    }

    public async Task Project(IEvent<CorrelationRegraded> e, IDocumentOperations operations)
    {
        var regraded = e.Data;
        // The recipients of a retraction, filtered alike.
        await Store(operations, e, regraded.Recipients.DistinctBy(r => r.Unit)
            .Where(recipient => CaseDisclosure.Of(regraded.Regrading, new Recipient(recipient.Unit)) != DisclosureLevel.None)
            .Select(recipient => (recipient.Unit, new FeedItem
            {
                Regrading = new GradingNotice
                {
                    IdentifierKey = regraded.Key,
                    RegradingUnit = regraded.Regrading.Unit,
                    RegradingCaseReference = regraded.Regrading.Reference,
                    Grading = GradingMapping.ToProto(regraded.Grading),
                    YourCaseId = recipient.CaseId.ToString(),
                },
            })).ToList(), [new SealedText("regrading.reason", nameof(CorrelationRegraded.Reason), regraded.Reason)]);
    }

    public async Task Project(IEvent<HandoffRequested> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.TargetUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Requested, e.Data.FromUnit, e.Data.TargetUnit, ""))],
            [new SealedText("handoff.reason", nameof(HandoffRequested.Reason), e.Data.Reason)]);

    public async Task Project(IEvent<HandoffAccepted> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.FromUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Accepted, e.Data.FromUnit, e.Data.NewOwnerUnit, ""))]);

    public async Task Project(IEvent<HandoffDeclined> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.FromUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Declined, e.Data.FromUnit, e.Data.TargetUnit, ""))],
            [new SealedText("handoff.reason", nameof(HandoffDeclined.Reason), e.Data.Reason)]);

    public async Task Project(IEvent<HandoffCancelled> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.TargetUnit, await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Cancelled, e.Data.FromUnit, e.Data.TargetUnit, ""))],
            [new SealedText("handoff.reason", nameof(HandoffCancelled.Reason), e.Data.Reason)]);

    public async Task Project(IEvent<DataRestricted> e, IDocumentOperations operations) =>
        await Store(operations, e, RestrictionNotices(e.Data.Case, e.Data.What, e.Data.Told, lifted: false));

    public async Task Project(IEvent<RestrictionLifted> e, IDocumentOperations operations) =>
        await Store(operations, e, RestrictionNotices(e.Data.Case, e.Data.What, e.Data.Told, lifted: true));

    /// One notice per unit told of the data, saying no more than it was told: only to a unit the case's policy let
    /// learn something (to anyone else even the restriction is news), with the identifiers and its own cases it knew of.
    private static List<(string Unit, FeedItem Item)> RestrictionNotices(CaseParty @case, RestrictedData what, IReadOnlyList<RestrictionRecipient> told, bool lifted) =>
        told.GroupBy(r => r.Unit)
            .Where(unit => unit.Any(r => r.Key is null) || CaseDisclosure.Of(@case, new Recipient(unit.Key)) != DisclosureLevel.None)
            .Select(unit => (unit.Key, new FeedItem
            {
                Restriction = new RestrictionNotice
                {
                    OwnerUnit = @case.Unit,
                    CaseReference = @case.Reference,
                    WholeCase = what.Scope == RestrictionScope.Case,
                    IdentifierKeys = { unit.Select(r => r.Key).OfType<string>().Distinct().Order(StringComparer.Ordinal) },
                    YourCaseIds = { unit.Select(r => r.TheirCase?.ToString()).OfType<string>().Distinct().Order(StringComparer.Ordinal) },
                    Lifted = lifted,
                },
            })).ToList();

    /// An erased case's items go with it, from every feed (the items' free text reads "[erased]" from now on anyway):
    /// the projection runs in global order, so every item about the case is written by now, and a rebuild deletes them
    /// again at the same point. Each unit told of the case gets one notice to forget it, naming no more than it knew.
    public async Task Project(IEvent<CaseErased> e, IDocumentOperations operations)
    {
        var erased = e.Data;
        // A unit whose items about the case go (a former co-lead, an ended handoff's target) was told of it: it is
        // told of the erasure too, rather than finding its items silently gone.
        var holding = await operations.Query<FeedEntry>().Where(entry => entry.CaseId == erased.CaseId).Select(entry => entry.Unit).Distinct().ToListAsync();
        operations.DeleteWhere<FeedEntry>(entry => entry.CaseId == erased.CaseId);
        // The hub erased it (retention): its leads learn it here, their own items about it being gone.
        var told = erased.ByHub ? [.. erased.Told, .. erased.Case.LeadUnits().Select(unit => new RestrictionRecipient(unit, null, null))] : erased.Told;
        told = [.. told, .. holding.Where(unit => erased.ByHub || unit != erased.Case.Unit).Select(unit => new RestrictionRecipient(unit, null, null))];
        await Store(operations, e, told.GroupBy(r => r.Unit)
            .Where(unit => unit.Any(r => r.Key is null) || CaseDisclosure.Of(erased.Case, new Recipient(unit.Key)) != DisclosureLevel.None)
            .Select(unit => (unit.Key, new FeedItem
            {
                CaseErased = new CaseErasedNotice
                {
                    OwnerUnit = erased.Case.Unit,
                    CaseReference = erased.Case.Reference,
                    IdentifierKeys = { unit.Select(r => r.Key).OfType<string>().Distinct().Order(StringComparer.Ordinal) },
                    YourCaseIds = { unit.Select(r => r.TheirCase?.ToString()).OfType<string>().Distinct().Order(StringComparer.Ordinal) },
                    LegalBasis = (Contracts.V1.ErasureBasis)(int)erased.Basis,
                },
            })).ToList());
    }

    /// Both units, once the hub recorded the deadline passed.
    public async Task Project(IEvent<HandoffExpired> e, IDocumentOperations operations)
    {
        var notice = await Handoff(operations, e.Data.CaseId, e.Data.HandoffId, HandoffStatus.Expired, e.Data.FromUnit, e.Data.TargetUnit, "");
        await Store(operations, e, [(e.Data.FromUnit, notice), (e.Data.TargetUnit, notice.Clone())]);
    }

    public async Task Project(IEvent<HandoffEscalated> e, IDocumentOperations operations)
    {
        var file = await operations.LoadAsync<CaseFile>(e.Data.CaseId);
        await Store(operations, e, [(e.Data.TargetUnit, new FeedItem
        {
            HandoffEscalation = new HandoffEscalationNotice
            {
                CaseId = e.Data.CaseId.ToString(), CaseReference = file?.Reference ?? "", HandoffId = e.Data.HandoffId.ToString(),
                FromUnit = e.Data.FromUnit, EscalationLevel = e.Data.EscalationLevel, ExpiresAt = Timestamp.FromDateTimeOffset(e.Data.ExpiresAt),
            },
        })], [new SealedText("handoff_escalation.note", nameof(HandoffEscalated.Note), e.Data.Note)]);
    }

    public async Task Project(IEvent<Lifecycle.CaseReviewDue> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.OwnerUnit, await Review(operations, e.Data.CaseId, e.Data.ReviewDueAt, overdue: false, ""))]);

    public async Task Project(IEvent<Lifecycle.CaseReviewOverdue> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.OwnerUnit, await Review(operations, e.Data.CaseId, e.Data.ReviewDueAt, overdue: true,
            e.Data.ActionApplied ? e.Data.Action.ToString().ToLowerInvariant() : ""))]);

    private static async Task<FeedItem> Review(IDocumentOperations operations, Guid caseId, DateTimeOffset dueAt, bool overdue, string action)
    {
        var file = await operations.LoadAsync<CaseFile>(caseId);
        return new FeedItem
        {
            Review = new ReviewNotice
            {
                CaseId = caseId.ToString(), CaseReference = file?.Reference ?? "", ReviewDueAt = Timestamp.FromDateTimeOffset(dueAt), Overdue = overdue, Action = action,
            },
        };
    }

    /// A sharing change's notices, decided with the change (ChangeSharingPolicy): each recipient's narrowing notice, and
    /// the correlations told late after a widening.
    public async Task Project(IEvent<SharingNoticesSent> e, IDocumentOperations operations)
    {
        var sent = e.Data;
        var byValue = new Dictionary<FeedItem, NamedByValue>(ReferenceEqualityComparer.Instance);
        var items = sent.Narrowed.Select(n => (n.Unit, Item: new FeedItem
        {
            SharingNarrowed = new SharingNarrowedNotice
            {
                OwnerUnit = n.OwnerUnit, CaseReference = n.CaseReference, IdentifierKeys = { n.Keys },
                YourCaseIds = { n.TheirCases.Select(c => c.ToString()) },
                StillVisible = n.StillVisible switch
                {
                    DisclosureLevel.Summary => RemainingDisclosure.Summary,
                    DisclosureLevel.Contact => RemainingDisclosure.Contact,
                    _ => RemainingDisclosure.None,
                },
                Tlp = (Contracts.V1.Tlp)(int)n.Tlp, HandlingCode = (Contracts.V1.HandlingCode)(int)n.HandlingCode,
            },
        }, Own: n.HandlingRestrictions is { } restrictions
            ? (IReadOnlyList<SealedText>)[new SealedText("sharing_narrowed.handling_restrictions", SharingPolicyText.Field, restrictions)]
            : [], n.AskedByValue)).Select(n =>
        {
            if (n.AskedByValue is { Count: > 0 } asked) byValue[n.Item] = new NamedByValue(sent.CaseId, [.. asked]);
            return (n.Unit, n.Item, n.Own);
        }).ToList();
        foreach (var widened in sent.Widened)
        {
            var yours = new CaseParty(widened.TheirCase, widened.Unit, "", widened.TheirCaseReference, default, default, null, []);
            if (Notice(new CorrelationFound(widened.Key, widened.Kind, widened.Widened, yours), yours, widened.Widened, widened.Unit, widened.Grading) is { } notice)
            {
                notice.Correlation.AfterWidening = true;
                items.Add((widened.Unit, notice, RestrictionsOf(widened.Widened)));
            }
        }
        await StoreEach(operations, e, items, [new SealedText("sharing_narrowed.reason", nameof(SharingNoticesSent.Reason), sent.Reason)], byValue);
    }

    /// The other case's handling restrictions in a correlation notice: sealed, opened when the feed delivers it.
    private static IReadOnlyList<SealedText> RestrictionsOf(CaseParty other) => other.HandlingRestrictions is { } restrictions
        ? [new SealedText("correlation.other_case.handling_restrictions", SharingPolicyText.Field, restrictions)]
        : [];

    /// What a unit leading the recipient's case learns of the other: what the other's policy discloses to that unit,
    /// with the other case's grading of the identifier, and nothing at all (no notice) when that is nothing. The other
    /// case's owner is the one recorded when the correlation was found, which is its owner then.
    private static FeedItem? Notice(CorrelationFound found, CaseParty yours, CaseParty other, string unit, Grading? othersGrading)
    {
        if (CaseDisclosure.Of(other, new Recipient(unit)) == DisclosureLevel.None) return null;
        var item = new FeedItem
        {
            Correlation = new CorrelationNotice
            {
                IdentifierKey = found.Key,
                Kind = IdentifierMapping.ToProto(found.Kind),
                YourCaseId = yours.CaseId.ToString(),
                YourCaseReference = yours.Reference,
                OtherCase = DisclosureMapping.Contact(other, "", found.Kind, othersGrading),
            },
        };
        if (found.Distance is { } distance) item.Correlation.Distance = distance;
        return item;
    }

    public async Task Project(IEvent<CoLeadInvited> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.CoLeadUnit, await CoLead(operations, e.Data.CaseId, CoLeadChange.Invited, e.Data.CoLeadUnit, e.Data.FromUnit, e.Data.ExpiresAt))],
            [new SealedText("co_lead.reason", nameof(CoLeadInvited.Reason), e.Data.Reason)]);

    public async Task Project(IEvent<CoLeadJoined> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.OwnerUnit, await CoLead(operations, e.Data.CaseId, CoLeadChange.Joined, e.Data.CoLeadUnit, e.Data.CoLeadUnit))]);

    public async Task Project(IEvent<CoLeadInvitationDeclined> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.OwnerUnit, await CoLead(operations, e.Data.CaseId, CoLeadChange.Declined, e.Data.CoLeadUnit, e.Data.CoLeadUnit))],
            [new SealedText("co_lead.reason", nameof(CoLeadInvitationDeclined.Reason), e.Data.Reason)]);

    public async Task Project(IEvent<CoLeadInvitationWithdrawn> e, IDocumentOperations operations) =>
        await Store(operations, e, [(e.Data.CoLeadUnit, await CoLead(operations, e.Data.CaseId, CoLeadChange.Withdrawn, e.Data.CoLeadUnit, e.Data.OwnerUnit))],
            [new SealedText("co_lead.reason", nameof(CoLeadInvitationWithdrawn.Reason), e.Data.Reason)]);

    /// A co-lead that left tells the owner; one the owner removed is told itself.
    public async Task Project(IEvent<CoLeadLeft> e, IDocumentOperations operations)
    {
        var left = e.Data;
        var removed = left.ByUnit != left.CoLeadUnit;
        await Store(operations, e, [(removed ? left.CoLeadUnit : left.OwnerUnit,
            await CoLead(operations, left.CaseId, removed ? CoLeadChange.Removed : CoLeadChange.Left, left.CoLeadUnit, left.ByUnit))],
            [new SealedText("co_lead.reason", nameof(CoLeadLeft.Reason), left.Reason)]);
    }

    private static async Task<FeedItem> CoLead(IDocumentOperations operations, Guid caseId, CoLeadChange change, string coLead, string by,
        DateTimeOffset? expiresAt = null)
    {
        var file = await operations.LoadAsync<CaseFile>(caseId);
        return new FeedItem
        {
            CoLead = new CoLeadNotice
            {
                CaseId = caseId.ToString(), CaseReference = file?.Reference ?? "", Change = change, CoLeadUnit = coLead, ByUnit = by,
                ExpiresAt = expiresAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
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

    /// texts: the event's sealed free text, for the items it belongs in (by the item's kind).
    private Task Store(IDocumentOperations operations, IEvent e, IReadOnlyList<(string Unit, FeedItem Item)> items, IReadOnlyList<SealedText>? texts = null) =>
        StoreEach(operations, e, items.Select(i => (i.Unit, i.Item, (IReadOnlyList<SealedText>)[])).ToList(), texts);

    /// The same, each item with sealed text of its own too (Own: what differs between the event's items, such as the
    /// handling restrictions of the other case a notice names); byValue: the items that name identifiers by value.
    private async Task StoreEach(IDocumentOperations operations, IEvent e, IReadOnlyList<(string Unit, FeedItem Item, IReadOnlyList<SealedText> Own)> items,
        IReadOnlyList<SealedText>? texts = null, IReadOnlyDictionary<FeedItem, NamedByValue>? byValue = null)
    {
        foreach (var (unit, item, own) in items)
        {
            item.Position = await NextPosition(operations, unit);
            item.At = Timestamp.FromDateTimeOffset(e.Timestamp);
            // Insert, not Store: a position given out twice fails the batch (and the daemon retries it) rather than
            // silently replacing an item a client may already have.
            operations.Insert(new FeedEntry
            {
                Id = $"{unit}/{item.Position}", Unit = unit, Position = item.Position, Item = item.ToByteArray(), CaseId = FeedTexts.CaseOf(item),
                Texts = [.. own, .. texts?.Where(t => FeedTexts.BelongsIn(item, t)) ?? []],
                ByValue = byValue?.GetValueOrDefault(item),
            });
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
