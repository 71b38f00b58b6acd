using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Victims;
using System.Collections.Immutable;
using JasperFx.Core;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EvidenceHub.Hub.Cases;

public enum CaseStatus { Open = 1, Closed = 2 }

/// Expired is never stored: a requested handoff reads as expired once its deadline has passed.
public enum HandoffStatus { Requested = 1, Accepted = 2, Declined = 3, Cancelled = 4, Expired = 5 }

public sealed record CaseIdentifier(
    IdentifierKind Kind, string CanonicalValue, string? Qualifier, string Key, string RawValue,
    DateTimeOffset? ObservedAt, DateTimeOffset AddedAt, string AddedByUnit,
    DateTimeOffset? RetractedAt = null, string? RetractionReason = null)
{
    /// The case version at which it was added: a case lists its identifiers in the order they were added.
    public long AddedAtVersion { get; init; }

    public bool IsActive => RetractedAt is null;

    public static CaseIdentifier From(SuspectIdentifierAdded added, DateTimeOffset at, string unit, long version) =>
        new(added.Kind, added.CanonicalValue, added.Qualifier, added.Key, added.RawValue, added.ObservedAt, at, unit) { AddedAtVersion = version };
}

/// Where a case's stream stands: its version and the time of its last event (any event, identifiers included).
public readonly record struct CaseRevision(long Version, DateTimeOffset UpdatedAt);

public sealed record CaseVictim(
    Guid VictimLinkId, string VictimReference, AgeBand AgeBand, string Country, DateOnly? FirstContactDate,
    string? ContactedBy, DateTimeOffset LinkedAt);

public sealed record CaseHandoff(
    Guid HandoffId, string FromUnit, string TargetUnit, string Reason, HandoffStatus Status,
    DateTimeOffset RequestedAt, DateTimeOffset? AnsweredAt, string? DeclineReason, DateTimeOffset ExpiresAt = default)
{
    /// Where the handoff stands at the given moment: a request past its deadline has expired.
    public HandoffStatus StatusAt(DateTimeOffset now) =>
        Status == HandoffStatus.Requested && now >= ExpiresAt ? HandoffStatus.Expired : Status;
}

/// A case as its events built it: the inline snapshot that GetCase reads and FetchForWriting decides on, the state the
/// Sync burst decides each command on, and what GetCaseAsOf shows. All three fold the events with the one Evolve below,
/// which returns a new file and never changes the one it is given; deciders read a file and return new events.
/// Its active identifiers are not here but in the identifier index (IdentifierHolding, written in the same
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
    public ImmutableList<Hub.Media.CaseMedia> Media { get; init; } = [];
    public ImmutableList<CaseHandoff> Handoffs { get; init; } = [];
    public DateTimeOffset OpenedAt { get; init; }
    /// The last change to the file itself; a case's last change overall may be a later identifier (CaseRevision).
    public DateTimeOffset UpdatedAt { get; init; }
    public string? CloseReason { get; init; }

    /// The handoff still pending at the given moment, if any; none once the case is closed.
    public CaseHandoff? PendingHandoffAt(DateTimeOffset now) => Status == CaseStatus.Closed
        ? null
        : Handoffs.FirstOrDefault(h => h.StatusAt(now) == HandoffStatus.Requested);

    /// The case events that change the file: all but an added identifier, which only the identifier index holds.
    public static readonly IReadOnlyList<Type> EventsThatChangeTheFile = typeof(ICaseEvent).Assembly.GetTypes()
        .Where(type => type.IsAssignableTo(typeof(ICaseEvent)) && type is { IsInterface: false, IsAbstract: false })
        .Where(type => type != typeof(SuspectIdentifierAdded))
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
        },
        (null, ICaseEvent) => null,
        ({ } file, SuspectIdentifierAdded) => file,
        ({ } file, SuspectIdentifierRetracted retracted) => file with
        {
            RetractedIdentifiers = retracted.Identifier is { } identifier
                ? file.RetractedIdentifiers.Add(identifier with { RetractedAt = at, RetractionReason = retracted.Reason })
                : file.RetractedIdentifiers,
            UpdatedAt = at,
        },
        ({ } file, Hub.Media.MediaAdded added) => file with { Media = file.Media.Add(Hub.Media.CaseMedia.From(added, at)), UpdatedAt = at },
        ({ } file, Hub.Media.MediaRetracted retracted) => file with
        {
            Media = file.Media.RemoveAll(m => m.Keys.SequenceEqual(retracted.Keys)), UpdatedAt = at,
        },
        ({ } file, VictimLinked linked) => file with
        {
            Victims = file.Victims.Add(new CaseVictim(linked.VictimLinkId, linked.VictimReference, linked.AgeBand,
                linked.Country, linked.FirstContactDate, linked.ContactedBy, at)),
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
        ({ } file, CaseClosed closed) => file with { Status = CaseStatus.Closed, CloseReason = closed.Reason, UpdatedAt = at },
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
                    identifiers.Add(CaseIdentifier.From(added, e.Timestamp, file.OwnerUnit, e.Version));
                    break;
                case SuspectIdentifierRetracted retracted:
                    var index = identifiers.FindIndex(i => i.Key == retracted.Key && i.IsActive);
                    if (index >= 0) identifiers[index] = identifiers[index] with { RetractedAt = e.Timestamp, RetractionReason = retracted.Reason };
                    break;
            }
            file = Evolve(file, e.Data, e.Timestamp);
        }
        return (file, identifiers, revision);
    }

    private static ImmutableList<CaseHandoff> Answered(ImmutableList<CaseHandoff> handoffs, Guid handoffId, Func<CaseHandoff, CaseHandoff> answer)
    {
        var index = handoffs.FindIndex(h => h.HandoffId == handoffId);
        return index >= 0 ? handoffs.SetItem(index, answer(handoffs[index])) : handoffs;
    }
}

/// The inline snapshot of a case stream, folded by CaseFile.Evolve. It takes only the events that change the file, so
/// a transaction that only adds identifiers leaves the stored file as it was.
public sealed partial class CaseFileProjection : SingleStreamProjection<CaseFile, Guid>
{
    public CaseFileProjection()
    {
        foreach (var type in CaseFile.EventsThatChangeTheFile) IncludeType(type);
    }

    public override CaseFile? Evolve(CaseFile? snapshot, Guid id, IEvent e) => CaseFile.Evolve(snapshot, e.Data, e.Timestamp);
}
