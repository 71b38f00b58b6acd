using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Victims;
using System.Collections.Immutable;
using JasperFx.Core;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;

namespace EvidenceHub.Hub.Cases;

public enum CaseStatus { Open = 1, Closed = 2 }

/// A requested handoff reads as expired once its deadline has passed; the hub also records it (HandoffExpired).
public enum HandoffStatus { Requested = 1, Accepted = 2, Declined = 3, Cancelled = 4, Expired = 5 }

/// A case's identifier as its holding or its events state it: Key is the match key (a pseudonym); the values and the
/// retraction reason stay sealed under the holding's subject, and readers open them (IdentifierMapping.ToProto).
public sealed record CaseIdentifier(
    IdentifierKind Kind, string Key, Guid Subject, Sealed CanonicalValue, string? Qualifier, Sealed RawValue,
    Sealed? ObservedAt, DateTimeOffset AddedAt, string AddedByUnit,
    DateTimeOffset? RetractedAt = null, Sealed? RetractionReason = null)
{
    /// The case version at which it was added: a case lists its identifiers in the order they were added.
    public long AddedAtVersion { get; init; }
    /// As the owner last graded it; null: none stated.
    public Grading? Grading { get; init; }
    /// The match key of the identifier that corrected this one, once it was replaced as wrongly typed.
    public string? ReplacedBy { get; init; }

    /// Restricted by the owner (RestrictData): shown to the owner and auditors only, and matched by no one.
    public bool Restricted { get; init; }

    /// Erased by the owner (EraseSuspectIdentifier): its values show as erased.
    public DateTimeOffset? ErasedAt { get; init; }

    public bool IsActive => RetractedAt is null && ErasedAt is null;

    public static CaseIdentifier From(SuspectIdentifierAdded added, DateTimeOffset at, string unit, long version) =>
        new(added.Kind, added.Key, added.Subject, added.CanonicalValue, added.Qualifier, added.RawValue, added.ObservedAt, at, unit) { AddedAtVersion = version, Grading = added.Grading };
}

/// Where a case's stream stands: its version and the time of its last event (any event, identifiers included).
public readonly record struct CaseRevision(long Version, DateTimeOffset UpdatedAt);

/// The reference and the contacting identifier stay sealed here too (the stored snapshot holds no plaintext); readers
/// open them with the case's keys (VictimMapping.ToProto).
public sealed record CaseVictim(
    Guid VictimLinkId, Sealed VictimReference, AgeBand AgeBand, string Country, DateOnly? FirstContactDate,
    Sealed? ContactedBy, DateTimeOffset LinkedAt, string? LinkedByCoLead = null, bool Restricted = false, DateTimeOffset? ErasedAt = null)
{
    public Grading? Grading { get; init; }
    public DateTimeOffset? CorrectedAt { get; init; }
    /// Sealed under the link's own subject: erasing the link erases why it was corrected too.
    public Sealed? CorrectionReason { get; init; }
    public bool IsErased => ErasedAt is not null;
}

public sealed record CaseHandoff(
    Guid HandoffId, string FromUnit, string TargetUnit, Sealed Reason, HandoffStatus Status,
    DateTimeOffset RequestedAt, DateTimeOffset? AnsweredAt, Sealed? DeclineReason, DateTimeOffset ExpiresAt = default)
{
    /// 0 for the first request; each escalation after an expiry asks again one level higher.
    public int EscalationLevel { get; init; }

    /// Where the handoff stands at the given moment: a request past its deadline has expired.
    public HandoffStatus StatusAt(DateTimeOffset now) =>
        Status == HandoffStatus.Requested && now >= ExpiresAt ? HandoffStatus.Expired : Status;
}

/// A case as its events built it: the inline snapshot that GetCase reads and FetchForWriting decides on, the state the
/// Sync burst decides each command on, and what GetCaseAsOf shows. All three fold the events with the one Evolve below,
/// which returns a new file and never changes the one it is given; deciders read a file and return new events.
/// Its active identifiers are not here but in the identifier holdings (IdentifierHolding, written in the same
/// transaction), and adding one does not touch the file at all: the snapshot is told only of the events that change
/// the file (EventsThatChangeTheFile), and Marten skips a snapshot whose events it does not take, so bulk ingest writes
/// one small holding per identifier instead of rewriting a case file per case per transaction (which, carrying every
/// identifier, cost tens of kilobytes each). For the same reason the file keeps no version: that is the stream's
/// (CaseRevision).
public sealed record CaseFile
{
    public Guid Id { get; init; }
    public string OwnerUnit { get; init; } = "";
    public string OwnerCountry { get; init; } = "";
    public string OpenedByUnit { get; init; } = "";
    public string Reference { get; init; } = "";
    public OffenceType OffenceType { get; init; }
    public CaseStatus Status { get; init; }
    public SharingPolicy SharingPolicy { get; init; } = new(Tlp.Red, HandlingCode.H0, null, []);
    /// Retracted identifiers, kept to be shown marked (retractions are rare, so this stays small).
    public ImmutableList<CaseIdentifier> RetractedIdentifiers { get; init; } = [];
    public ImmutableList<CaseVictim> Victims { get; init; } = [];
    public ImmutableList<CaseHandoff> Handoffs { get; init; } = [];
    public DateTimeOffset OpenedAt { get; init; }
    /// The last change to the file itself; a case's last change overall may be a later identifier (CaseRevision).
    public DateTimeOffset UpdatedAt { get; init; }
    /// Free text about the case is kept sealed under its case subject (CaseText), as its events hold it.
    public Sealed? CloseReason { get; init; }
    public Guid? TextSubject { get; init; }
    /// The whole case was erased (EraseCase): its keys are gone, it takes no more commands and only its owner and
    /// auditors see that it was there.
    public DateTimeOffset? ErasedAt { get; init; }
    public bool IsErased => ErasedAt is not null;
    /// The whole case is restricted (RestrictData): only the owner and auditors see it.
    public bool Restricted { get; init; }
    /// Retention (Lifecycle/ReviewDates): the last review, and the last change on which the hub based its review-due
    /// notice and its overdue mark. The hub's own acts (these, and expiring handoffs) leave UpdatedAt alone: they are
    /// no change a unit made and must not postpone a review.
    public DateTimeOffset? LastReviewedAt { get; init; }
    public Sealed? LastReviewNote { get; init; }
    public DateTimeOffset? ReviewNoticeBasis { get; init; }
    public DateTimeOffset? OverdueBasis { get; init; }
    public DateTimeOffset? OverdueMarkedAt { get; init; }
    /// The units that lead the case jointly with its owner: they read it as the owner does and add to it.
    public ImmutableList<string> CoLeads { get; init; } = [];
    public ImmutableList<CaseCoLeadInvitation> CoLeadInvitations { get; init; } = [];

    /// The owner or a co-lead: the units that read the whole case and add identifiers and victim links to it.
    public bool IsLedBy(string unit) => OwnerUnit == unit || CoLeads.Contains(unit);

    /// The unit's invitation to co-lead still pending at the given moment, if any; none once the case is closed.
    public CaseCoLeadInvitation? PendingInvitationOf(string unit, DateTimeOffset now) => Status == CaseStatus.Closed
        ? null
        : CoLeadInvitations.LastOrDefault(i => i.CoLeadUnit == unit && i.StatusAt(now) == CoLeadInvitationStatus.Pending);

    /// The handoff still pending at the given moment, if any; none once the case is closed.
    public CaseHandoff? PendingHandoffAt(DateTimeOffset now) => Status == CaseStatus.Closed
        ? null
        : Handoffs.FirstOrDefault(h => h.StatusAt(now) == HandoffStatus.Requested);

    /// The case events that change the file: all but an added identifier and a media record's events, which only the
    /// identifier holdings and the media records keep.
    public static readonly IReadOnlyList<Type> EventsThatChangeTheFile = typeof(ICaseEvent).Assembly.GetTypes()
        .Where(type => type.IsAssignableTo(typeof(ICaseEvent)) && type is { IsInterface: false, IsAbstract: false })
        .Where(type => type != typeof(SuspectIdentifierAdded) && type != typeof(Hub.Media.MediaAdded) && type != typeof(Hub.Media.MediaRetracted)
            && type != typeof(Hub.Media.MediaBatchImported))
        .ToArray();

    /// The file after one more event of its stream, stored at the given time. A new case event is one arm here.
    [JasperFxIgnore] // CaseFileProjection calls it: Marten's generator must not take the file for self-aggregating.
    public static CaseFile? Evolve(CaseFile? state, object @event, DateTimeOffset at) => (state, @event) switch
    {
        (_, CaseOpened opened) => new CaseFile
        {
            Id = opened.CaseId,
            OwnerUnit = opened.OwnerUnit,
            OwnerCountry = opened.OwnerCountry,
            OpenedByUnit = opened.OwnerUnit,
            Reference = opened.Reference,
            OffenceType = opened.OffenceType,
            SharingPolicy = opened.SharingPolicy,
            Status = CaseStatus.Open,
            OpenedAt = at,
            UpdatedAt = at,
            TextSubject = opened.TextSubject,
        },
        (null, ICaseEvent) => null,
        ({ } file, SuspectIdentifierAdded) => file,
        ({ } file, SuspectIdentifierRetracted retracted) => file with
        {
            RetractedIdentifiers = retracted.Identifier is { } identifier
                ? file.RetractedIdentifiers.Add(identifier with { RetractedAt = at, RetractionReason = retracted.Reason, ReplacedBy = retracted.ReplacedBy })
                : file.RetractedIdentifiers,
            // A victim contacted by a wrongly typed identifier was contacted by the one that corrects it (sealed anew by
            // the decider, which can open the contacting identifiers).
            Victims = retracted.Recontacted is { Count: > 0 } recontacted
                ? file.Victims.Select(v => recontacted.FirstOrDefault(r => r.VictimLinkId == v.VictimLinkId) is { } now ? v with { ContactedBy = now.ContactedBy } : v).ToImmutableList()
                : file.Victims,
            UpdatedAt = at,
        },
        // The erased holding is gone from the index; a retracted one the file keeps shows as erased.
        ({ } file, SuspectIdentifierErased erased) => file with
        {
            RetractedIdentifiers = file.RetractedIdentifiers.Select(i => i.Subject == erased.Subject ? i with { ErasedAt = at } : i).ToImmutableList(),
            UpdatedAt = at,
        },
        // The identifier's grading is in the index (its holding); the file only notes the change.
        ({ } file, IdentifierRegraded) => file with { UpdatedAt = at },
        ({ } file, VictimLinkRegraded regraded) => file with
        {
            Victims = Victim(file.Victims, regraded.VictimLinkId, v => v with { Grading = regraded.Grading }),
            UpdatedAt = at,
        },
        ({ } file, VictimLinkCorrected corrected) => file with
        {
            Victims = Victim(file.Victims, corrected.VictimLinkId, v => v with
            {
                AgeBand = corrected.After.AgeBand, Country = corrected.After.Country, FirstContactDate = corrected.After.FirstContactDate,
                ContactedBy = corrected.After.ContactedBy, CorrectedAt = at, CorrectionReason = corrected.Reason,
            }),
            UpdatedAt = at,
        },
        // A case's media records are documents of their own (MediaRecord), like its identifiers.
        ({ } file, Hub.Media.MediaAdded or Hub.Media.MediaRetracted or Hub.Media.MediaBatchImported) => file,
        ({ } file, VictimLinked linked) => file with
        {
            Victims = file.Victims.Add(new CaseVictim(linked.VictimLinkId, linked.VictimReference, linked.AgeBand,
                linked.Country, linked.FirstContactDate, linked.ContactedBy, at, linked.LinkedByCoLead) { Grading = linked.Grading }),
            UpdatedAt = at,
        },
        ({ } file, VictimLinkErased erased) => file with
        {
            Victims = Victim(file.Victims, erased.VictimLinkId, v => v with { ErasedAt = at }),
            UpdatedAt = at,
        },
        ({ } file, HandoffRequested requested) => file with
        {
            Handoffs = file.Handoffs.Add(new CaseHandoff(requested.HandoffId, requested.FromUnit, requested.TargetUnit,
                requested.Reason, HandoffStatus.Requested, at, null, null, requested.ExpiresAt)),
            UpdatedAt = at,
        },
        ({ } file, HandoffAccepted accepted) => file with
        {
            Handoffs = Answered(file.Handoffs, accepted.HandoffId, h => h with { Status = HandoffStatus.Accepted, AnsweredAt = at }),
            OwnerUnit = accepted.NewOwnerUnit,
            OwnerCountry = accepted.NewOwnerCountry,
            // A co-lead that takes the case over leads it alone; the others stay co-leads.
            CoLeads = file.CoLeads.Remove(accepted.NewOwnerUnit),
            UpdatedAt = at,
        },
        ({ } file, HandoffDeclined declined) => file with
        {
            Handoffs = Answered(file.Handoffs, declined.HandoffId,
                h => h with { Status = HandoffStatus.Declined, AnsweredAt = at, DeclineReason = declined.Reason }),
            UpdatedAt = at,
        },
        ({ } file, HandoffCancelled cancelled) => file with
        {
            Handoffs = Answered(file.Handoffs, cancelled.HandoffId,
                h => h with { Status = HandoffStatus.Cancelled, AnsweredAt = at, DeclineReason = cancelled.Reason }),
            UpdatedAt = at,
        },
        ({ } file, HandoffExpired expired) => file with
        {
            Handoffs = Answered(file.Handoffs, expired.HandoffId, h => h with { Status = HandoffStatus.Expired }),
        },
        ({ } file, HandoffEscalated escalated) => file with
        {
            Handoffs = Answered(file.Handoffs, escalated.HandoffId,
                h => h with { Status = HandoffStatus.Requested, ExpiresAt = escalated.ExpiresAt, EscalationLevel = escalated.EscalationLevel }),
            UpdatedAt = at,
        },
        ({ } file, CaseReviewed reviewed) => file with { LastReviewedAt = reviewed.ReviewedAt, LastReviewNote = reviewed.Note, UpdatedAt = at },
        ({ } file, CaseReviewDue due) => file with { ReviewNoticeBasis = due.LastChangeAt },
        ({ } file, CaseReviewOverdue overdue) => file with { OverdueBasis = overdue.LastChangeAt, OverdueMarkedAt = at },
        ({ } file, Sharing.SharingPolicyChanged changed) => file with { SharingPolicy = changed.New, UpdatedAt = at },
        ({ } file, CoLeadInvited invited) => file with
        {
            CoLeadInvitations = file.CoLeadInvitations.Add(new CaseCoLeadInvitation(invited.CoLeadUnit, invited.FromUnit, invited.Reason,
                CoLeadInvitationStatus.Pending, at, invited.ExpiresAt)),
            UpdatedAt = at,
        },
        ({ } file, CoLeadJoined joined) => file with
        {
            CoLeadInvitations = AnsweredInvitation(file.CoLeadInvitations, joined.CoLeadUnit, i => i with { Status = CoLeadInvitationStatus.Accepted, AnsweredAt = at }),
            CoLeads = file.CoLeads.Remove(joined.CoLeadUnit).Add(joined.CoLeadUnit),
            UpdatedAt = at,
        },
        ({ } file, CoLeadInvitationDeclined declined) => file with
        {
            CoLeadInvitations = AnsweredInvitation(file.CoLeadInvitations, declined.CoLeadUnit,
                i => i with { Status = CoLeadInvitationStatus.Declined, AnsweredAt = at, DeclineReason = declined.Reason }),
            UpdatedAt = at,
        },
        ({ } file, CoLeadInvitationWithdrawn withdrawn) => file with
        {
            CoLeadInvitations = AnsweredInvitation(file.CoLeadInvitations, withdrawn.CoLeadUnit,
                i => i with { Status = CoLeadInvitationStatus.Withdrawn, AnsweredAt = at, DeclineReason = withdrawn.Reason }),
            UpdatedAt = at,
        },
        ({ } file, CoLeadLeft left) => file with { CoLeads = file.CoLeads.Remove(left.CoLeadUnit), UpdatedAt = at },
        // Erased: closed with it, so that nothing pending (a handoff, an invitation) stays open on it. Sealed restrictions
        // no longer open; ones stored plain, before they were sealed, are dropped.
        ({ } file, Erasure.CaseErased) => file with
        {
            ErasedAt = at, Status = CaseStatus.Closed, UpdatedAt = at,
            SharingPolicy = file.SharingPolicy.HandlingRestrictions is { IsPlain: true }
                ? file.SharingPolicy with { HandlingRestrictions = Erasure.Sealed.Plain(Erasure.Sealed.ErasedPlaceholder) }
                : file.SharingPolicy,
        },
        ({ } file, CaseClosed closed) => file with { Status = CaseStatus.Closed, CloseReason = closed.Reason, UpdatedAt = at },
        ({ } file, DataRestricted restricted) => Restricting(file, restricted.What, true) with { UpdatedAt = restricted.ByHub ? file.UpdatedAt : at },
        ({ } file, RestrictionLifted lifted) => Restricting(file, lifted.What, false) with { UpdatedAt = at },
        _ => throw new ArgumentException($"CaseFile does not know event {@event.GetType().Name}", nameof(@event)),
    };

    /// The case as it stood after the given events (its first ones, in order), identifiers included: what
    /// GetCaseAsOf shows. Identifiers are folded here because the snapshot does not keep them.
    public static (CaseFile? File, IReadOnlyList<CaseIdentifier> Identifiers, CaseRevision Revision) Replay(IEnumerable<IEvent> events)
    {
        CaseFile? file = null;
        var identifiers = new List<CaseIdentifier>();
        var revision = default(CaseRevision);
        foreach (var e in events)
        {
            revision = new CaseRevision(e.Version, e.Timestamp);
            switch (e.Data)
            {
                case SuspectIdentifierAdded added when file is not null:
                    identifiers.Add(CaseIdentifier.From(added, e.Timestamp, e.GetHeader(Store.EventHeaders.Unit)?.ToString() ?? file.OwnerUnit, e.Version));
                    break;
                case SuspectIdentifierRetracted retracted:
                    var index = identifiers.FindIndex(i => i.Key == retracted.Key && i.IsActive);
                    if (index >= 0) identifiers[index] = identifiers[index] with { RetractedAt = e.Timestamp, RetractionReason = retracted.Reason, ReplacedBy = retracted.ReplacedBy };
                    break;
                case SuspectIdentifierErased erased:
                    var erasing = identifiers.FindIndex(i => i.Key == erased.Key && i.Subject == erased.Subject);
                    if (erasing >= 0) identifiers[erasing] = identifiers[erasing] with { ErasedAt = e.Timestamp };
                    break;
                case IdentifierRegraded regraded:
                    var graded = identifiers.FindIndex(i => i.Key == regraded.Key && i.IsActive);
                    if (graded >= 0) identifiers[graded] = identifiers[graded] with { Grading = regraded.Grading };
                    break;
                case DataRestricted { What.IdentifierKey: { } key }:
                    identifiers = identifiers.Select(i => i.Key == key && i.IsActive ? i with { Restricted = true } : i).ToList();
                    break;
                case RestrictionLifted { What.IdentifierKey: { } key }:
                    identifiers = identifiers.Select(i => i.Key == key && i.IsActive ? i with { Restricted = false } : i).ToList();
                    break;
            }
            file = Evolve(file, e.Data, e.Timestamp);
        }
        return (file, identifiers, revision);
    }

    /// A restriction, or its end, on the file: the case's own flag, or a victim link's. An identifier's flag is its
    /// holding's (the file does not keep active identifiers).
    private static CaseFile Restricting(CaseFile file, RestrictedData what, bool restricted) => what.Scope switch
    {
        RestrictionScope.Case => file with { Restricted = restricted },
        RestrictionScope.VictimLink => file with
        {
            Victims = file.Victims.Select(v => v.VictimLinkId == what.VictimLinkId ? v with { Restricted = restricted } : v).ToImmutableList(),
        },
        _ => file,
    };

    private static ImmutableList<CaseVictim> Victim(ImmutableList<CaseVictim> victims, Guid victimLinkId, Func<CaseVictim, CaseVictim> change)
    {
        var index = victims.FindIndex(v => v.VictimLinkId == victimLinkId);
        return index >= 0 ? victims.SetItem(index, change(victims[index])) : victims;
    }

    /// The unit's latest invitation still pending (the decider checked its deadline).
    private static ImmutableList<CaseCoLeadInvitation> AnsweredInvitation(ImmutableList<CaseCoLeadInvitation> invitations, string unit,
        Func<CaseCoLeadInvitation, CaseCoLeadInvitation> answer)
    {
        var index = invitations.FindLastIndex(i => i.CoLeadUnit == unit && i.Status == CoLeadInvitationStatus.Pending);
        return index >= 0 ? invitations.SetItem(index, answer(invitations[index])) : invitations;
    }

    private static ImmutableList<CaseHandoff> Answered(ImmutableList<CaseHandoff> handoffs, Guid handoffId, Func<CaseHandoff, CaseHandoff> answer)
    {
        var index = handoffs.FindIndex(h => h.HandoffId == handoffId);
        return index >= 0 ? handoffs.SetItem(index, answer(handoffs[index])) : handoffs;
    }
}

/// The inline snapshot of a case stream, folded by CaseFile.Evolve. It takes only the events that change the file, so
/// a transaction that only adds identifiers or media leaves the stored file as it was, and does not even read it.
public sealed partial class CaseFileProjection : SingleStreamProjection<CaseFile, Guid>
{
    private static readonly HashSet<Type> ChangeTheFile = [.. CaseFile.EventsThatChangeTheFile];

    public CaseFileProjection()
    {
        foreach (var type in CaseFile.EventsThatChangeTheFile) IncludeType(type);
    }

    public override CaseFile? Evolve(CaseFile? snapshot, Guid id, IEvent e) => CaseFile.Evolve(snapshot, e.Data, e.Timestamp);

    protected override IInlineProjection<IDocumentOperations> buildForInline() => new OnlyStreamsThatChangeTheFile(base.buildForInline());

    /// Marten's inline aggregation loads the snapshot of every stream in the transaction whose events it may take, and
    /// its test lets through events it then ignores; this passes it only the streams with an event that changes the
    /// file, before anything is loaded (bulk ingest appends identifiers and media to many cases at once).
    private sealed class OnlyStreamsThatChangeTheFile(IInlineProjection<IDocumentOperations> inner) : IInlineProjection<IDocumentOperations>
    {
        public Task ApplyAsync(IDocumentOperations operations, IEnumerable<StreamAction> streams, CancellationToken cancellation)
        {
            var changing = streams.Where(s => s.Events.Any(e => ChangeTheFile.Contains(e.EventType))).ToList();
            return changing.Count == 0 ? Task.CompletedTask : inner.ApplyAsync(operations, changing, cancellation);
        }
    }
}
