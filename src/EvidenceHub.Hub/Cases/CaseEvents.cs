namespace EvidenceHub.Hub.Cases;

/// An event of a case's own stream: CaseFile.Evolve folds every one of them.
public interface ICaseEvent
{
    Guid CaseId { get; }
}

public enum OffenceType { Sextortion = 1, FinancialSextortion = 2, Grooming = 3, CsamDistribution = 4, Other = 5 }

/// Traffic Light Protocol 2.0.
public enum Tlp { Clear = 1, Green = 2, Amber = 3, AmberStrict = 4, Red = 5 }

/// Europol-style handling codes.
public enum HandlingCode { H0 = 1, H1 = 2, H2 = 3, H3 = 4 }

public sealed record SharingPolicy(Tlp Tlp, HandlingCode HandlingCode, string? HandlingRestrictions, IReadOnlyList<string> PartnerUnits);

/// A unit opened a case; it owns the case (the lead jurisdiction) until a handoff moves it.
public sealed record CaseOpened(Guid CaseId, string OwnerUnit, string OwnerCountry, string Reference, OffenceType OffenceType, SharingPolicy SharingPolicy) : ICaseEvent;

public sealed record CaseClosed(Guid CaseId, string Reason) : ICaseEvent;
