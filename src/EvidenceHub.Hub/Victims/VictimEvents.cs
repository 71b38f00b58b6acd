using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Victims;

public enum AgeBand { Under13 = 1, From13To15 = 2, From16To17 = 3, Adult = 4, Unknown = 5 }

/// A victim was tied to a case: a pseudonymous reference from the owning unit's system, never a name.
/// ContactedBy is the key of the case's identifier that made contact, when known. LinkedByCoLead names the co-lead
/// that linked it (its own victim); null when the owner did.
public sealed record VictimLinked(
    Guid CaseId,
    Guid VictimLinkId,
    string VictimReference,
    AgeBand AgeBand,
    string Country,
    DateOnly? FirstContactDate,
    string? ContactedBy,
    string? LinkedByCoLead = null) : ICaseEvent;
