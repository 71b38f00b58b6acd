using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Victims;
using JasperFx.Events;

namespace EvidenceHub.Hub.Cases;

public enum CaseStatus { Open = 1, Closed = 2 }

public enum HandoffStatus { Requested = 1, Accepted = 2, Declined = 3 }

public sealed record CaseIdentifier(
    IdentifierKind Kind, string CanonicalValue, string? Qualifier, string Key, string RawValue,
    DateTimeOffset? ObservedAt, DateTimeOffset AddedAt, string AddedByUnit,
    DateTimeOffset? RetractedAt = null, string? RetractionReason = null)
{
    public bool IsActive => RetractedAt is null;

    public static CaseIdentifier From(SuspectIdentifierAdded added, DateTimeOffset at, string unit) =>
        new(added.Kind, added.CanonicalValue, added.Qualifier, added.Key, added.RawValue, added.ObservedAt, at, unit);
}

public sealed record CaseVictim(
    Guid VictimLinkId, string VictimReference, AgeBand AgeBand, string Country, DateOnly? FirstContactDate,
    string? ContactedBy, DateTimeOffset LinkedAt);

public sealed record CaseHandoff(
    Guid HandoffId, string FromUnit, string TargetUnit, string Reason, HandoffStatus Status,
    DateTimeOffset RequestedAt, DateTimeOffset? AnsweredAt, string? DeclineReason);

/// A case as its events built it: the inline snapshot that GetCase reads and FetchForWriting decides on.
/// Only Marten's projection mutates it (through the public Apply methods, called by its source generator);
/// deciders read it and return new events.
public sealed class CaseFile
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public string OwnerUnit { get; set; } = "";
    public string OwnerCountry { get; set; } = "";
    public string OpenedByUnit { get; set; } = "";
    public string Reference { get; set; } = "";
    public OffenceType OffenceType { get; set; }
    public CaseStatus Status { get; set; }
    public SharingPolicy SharingPolicy { get; set; } = new(Tlp.Red, HandlingCode.H0, null, []);
    public List<CaseIdentifier> Identifiers { get; set; } = [];
    public List<CaseVictim> Victims { get; set; } = [];
    public List<CaseHandoff> Handoffs { get; set; } = [];
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CloseReason { get; set; }

    public CaseHandoff? OpenHandoff => Handoffs.FirstOrDefault(h => h.Status == HandoffStatus.Requested);

    /// The identifier as the case holds it now; a retracted one no longer counts.
    public CaseIdentifier? FindIdentifier(string key) => Identifiers.FirstOrDefault(i => i.Key == key && i.IsActive);

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
        Version = 1,
        OpenedAt = e.Timestamp,
        UpdatedAt = e.Timestamp,
    };

    public void Apply(IEvent<SuspectIdentifierAdded> e)
    {
        Identifiers.Add(CaseIdentifier.From(e.Data, e.Timestamp, OwnerUnit));
        UpdatedAt = e.Timestamp;
    }

    public void Apply(IEvent<SuspectIdentifierRetracted> e)
    {
        var index = Identifiers.FindIndex(i => i.Key == e.Data.Key && i.IsActive);
        if (index >= 0) Identifiers[index] = Identifiers[index] with { RetractedAt = e.Timestamp, RetractionReason = e.Data.Reason };
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
            HandoffStatus.Requested, e.Timestamp, null, null));
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
        if (current is null) return null;
        var next = current.Copy();
        switch (@event)
        {
            case SuspectIdentifierAdded added: next.Apply(Stamped(added, at)); break;
            case SuspectIdentifierRetracted retracted: next.Apply(Stamped(retracted, at)); break;
            case VictimLinked linked: next.Apply(Stamped(linked, at)); break;
            case HandoffRequested requested: next.Apply(Stamped(requested, at)); break;
            case HandoffAccepted accepted: next.Apply(Stamped(accepted, at)); break;
            case HandoffDeclined declined: next.Apply(Stamped(declined, at)); break;
            case CaseClosed closed: next.Apply(Stamped(closed, at)); break;
            default: throw new ArgumentException($"CaseFile does not know event {@event.GetType().Name}");
        }
        next.Version++;
        return next;
    }

    private CaseFile Copy()
    {
        var copy = (CaseFile)MemberwiseClone();
        copy.Identifiers = [.. Identifiers];
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
