using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Cases;

/// An event of a case's own stream: CaseFile.Evolve folds every one of them.
public interface ICaseEvent
{
    Guid CaseId { get; }
}

/// HandlingRestrictions: free text about the case, sealed under its case subject (Sharing/SharingPolicyText).
public sealed record SharingPolicy(Tlp Tlp, HandlingCode HandlingCode, Sealed? HandlingRestrictions, IReadOnlyList<string> PartnerUnits);

/// A unit opened a case; it owns the case (the lead jurisdiction) until a handoff moves it. TextSubject: the subject
/// whose key seals the free text written about the case (CaseText); erasing the case destroys it.
public sealed record CaseOpened(Guid CaseId, string OwnerUnit, string OwnerCountry, string Reference, OffenceType OffenceType, SharingPolicy SharingPolicy,
    Guid? TextSubject = null) : ICaseEvent;

public sealed record CaseClosed(Guid CaseId, Sealed Reason) : ICaseEvent;
