using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Victims;

/// A victim was tied to a case: a pseudonymous reference from the owning unit's system, never a name.
/// ContactedBy is the key of the case's identifier that made contact, when known.
public sealed record VictimLinked(
    Guid CaseId,
    Guid VictimLinkId,
    string VictimReference,
    AgeBand AgeBand,
    string Country,
    DateOnly? FirstContactDate,
    string? ContactedBy) : ICaseEvent;
