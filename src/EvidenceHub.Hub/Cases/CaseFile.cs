using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Victims;
using JasperFx.Events;

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

/// A case as its events built it: the inline snapshot that GetCase reads and FetchForWriting decides on.
/// Only Marten's projection mutates it (through the public Apply methods, called by its source generator);
/// deciders read it and return new events. Its active identifiers are not here but in the identifier index
/// (IdentifierHolding, written in the same transaction), and adding one does not touch the file at all: Marten skips
/// a snapshot whose events it does not apply, so bulk ingest writes one small holding per identifier instead of
/// rewriting a case file per case per transaction (which, carrying every identifier, cost tens of kilobytes each).
/// For the same reason the file keeps no version: that is the stream's (CaseRevision).
public sealed class CaseFile
{
    public Guid Id { get; set; }
    public string OwnerUnit { get; set; } = "";
    public string OwnerCountry { get; set; } = "";
    public string OpenedByUnit { get; set; } = "";
    public string Reference { get; set; } = "";
    public OffenceType OffenceType { get; set; }
    public CaseStatus Status { get; set; }
    public SharingPolicy SharingPolicy { get; set; } = new(Tlp.Red, HandlingCode.H0, null, []);
    /// Retracted identifiers, kept to be shown marked (retractions are rare, so this stays small).
    public List<CaseIdentifier> RetractedIdentifiers { get; set; } = [];
    public List<CaseVictim> Victims { get; set; } = [];
    public List<CaseHandoff> Handoffs { get; set; } = [];
    public DateTimeOffset OpenedAt { get; set; }
    /// The last change to the file itself; a case's last change overall may be a later identifier (CaseRevision).
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CloseReason { get; set; }

    /// The handoff still pending at the given moment, if any; none once the case is closed.
    public CaseHandoff? PendingHandoffAt(DateTimeOffset now) => Status == CaseStatus.Closed
        ? null
        : Handoffs.FirstOrDefault(h => h.StatusAt(now) == HandoffStatus.Requested);

    public static CaseFile Create(IEvent<CaseOpened> e) => new()
    {
        Id = e.Data.CaseId,
        OwnerUnit = e.Data.OwnerUnit,
        OwnerCountry = e.Data.OwnerCountry,
        OpenedByUnit = e.Data.OwnerUnit,
        Reference = e.Data.Reference,
        OffenceType = e.Data.OffenceType,
        SharingPolicy = e.Data.SharingPolicy,
        Status = CaseStatus.Open,
        OpenedAt = e.Timestamp,
        UpdatedAt = e.Timestamp,
    };

    public void Apply(IEvent<SuspectIdentifierRetracted> e)
    {
        if (e.Data.Identifier is { } retracted)
            RetractedIdentifiers.Add(retracted with { RetractedAt = e.Timestamp, RetractionReason = e.Data.Reason });
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<VictimLinked> e)
    {
        var linked = e.Data;
        Victims.Add(new CaseVictim(linked.VictimLinkId, linked.VictimReference, linked.AgeBand, linked.Country,
            linked.FirstContactDate, linked.ContactedBy, e.Timestamp));
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<HandoffRequested> e)
    {
        var requested = e.Data;
        Handoffs.Add(new CaseHandoff(requested.HandoffId, requested.FromUnit, requested.TargetUnit, requested.Reason,
            HandoffStatus.Requested, e.Timestamp, null, null, requested.ExpiresAt));
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<HandoffAccepted> e)
    {
        Answer(e.Data.HandoffId, h => h with { Status = HandoffStatus.Accepted, AnsweredAt = e.Timestamp });
        OwnerUnit = e.Data.NewOwnerUnit;
        OwnerCountry = e.Data.NewOwnerCountry;
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<HandoffDeclined> e)
    {
        Answer(e.Data.HandoffId, h => h with { Status = HandoffStatus.Declined, AnsweredAt = e.Timestamp, DeclineReason = e.Data.Reason });
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<HandoffCancelled> e)
    {
        Answer(e.Data.HandoffId, h => h with { Status = HandoffStatus.Cancelled, AnsweredAt = e.Timestamp, DeclineReason = e.Data.Reason });
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<CaseClosed> e)
    {
        Status = CaseStatus.Closed;
        CloseReason = e.Data.Reason;
        UpdatedAt = e.Timestamp;
    }

    /// The state after one more event, for deciding several commands of one batch before they are stored. Works on a
    /// copy: the instance Marten fetched must stay as it was, because the inline projection applies the same events to it.
    public static CaseFile? Advance(CaseFile? current, object @event, DateTimeOffset at)
    {
        if (@event is CaseOpened opened) return Create(Stamped(opened, at));
        if (current is null || @event is SuspectIdentifierAdded) return current;
        var next = current.Copy();
        switch (@event)
        {
            case SuspectIdentifierRetracted retracted: next.Apply(Stamped(retracted, at)); break;
            case VictimLinked linked: next.Apply(Stamped(linked, at)); break;
            case HandoffRequested requested: next.Apply(Stamped(requested, at)); break;
            case HandoffAccepted accepted: next.Apply(Stamped(accepted, at)); break;
            case HandoffDeclined declined: next.Apply(Stamped(declined, at)); break;
            case HandoffCancelled cancelled: next.Apply(Stamped(cancelled, at)); break;
            case CaseClosed closed: next.Apply(Stamped(closed, at)); break;
            default: throw new ArgumentException($"CaseFile does not know event {@event.GetType().Name}");
        }
        return next;
    }

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
            file = Advance(file, e.Data, e.Timestamp);
        }
        return (file, identifiers, revision);
    }

    private CaseFile Copy()
    {
        var copy = (CaseFile)MemberwiseClone();
        copy.RetractedIdentifiers = [.. RetractedIdentifiers];
        copy.Victims = [.. Victims];
        copy.Handoffs = [.. Handoffs];
        return copy;
    }

    private static Event<T> Stamped<T>(T data, DateTimeOffset at) where T : notnull => new(data) { Timestamp = at };

    private void Answer(Guid handoffId, Func<CaseHandoff, CaseHandoff> answer)
    {
        var index = Handoffs.FindIndex(h => h.HandoffId == handoffId);
        if (index >= 0) Handoffs[index] = answer(Handoffs[index]);
    }
}
