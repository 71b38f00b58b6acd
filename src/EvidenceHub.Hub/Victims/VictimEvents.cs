using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Quality;

namespace EvidenceHub.Hub.Victims;

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
    Grading? Grading = null,
    string? LinkedByCoLead = null) : ICaseEvent;

/// A victim link's details as a correction states them.
public sealed record VictimDetails(AgeBand AgeBand, string Country, DateOnly? FirstContactDate, string? ContactedBy);

/// The owner corrected a victim link (LED Art. 16): the details before and after, so that the event names what it
/// corrects.
public sealed record VictimLinkCorrected(Guid CaseId, Guid VictimLinkId, VictimDetails Before, VictimDetails After, string Reason) : ICaseEvent;
