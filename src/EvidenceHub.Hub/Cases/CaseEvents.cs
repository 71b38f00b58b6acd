namespace EvidenceHub.Hub.Cases;

/// An event of a case's own stream: CaseFile.Evolve folds every one of them.
public interface ICaseEvent
{
    Guid CaseId { get; }
}

public sealed record SharingPolicy(Tlp Tlp, HandlingCode HandlingCode, string? HandlingRestrictions, IReadOnlyList<string> PartnerUnits);

/// A unit opened a case; it owns the case (the lead jurisdiction) until a handoff moves it.
public sealed record CaseOpened(Guid CaseId, string OwnerUnit, string OwnerCountry, string Reference, OffenceType OffenceType, SharingPolicy SharingPolicy) : ICaseEvent;

public sealed record CaseClosed(Guid CaseId, string Reason) : ICaseEvent;
