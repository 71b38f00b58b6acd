using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Quality;

namespace EvidenceHub.Hub.Victims;

/// A victim was tied to a case: a pseudonymous reference from the owning unit's system, never a name.
/// ContactedBy is the key of the case's identifier that made contact, when known. Both are sealed under the link's own
/// subject key (Subject), so that erasing the link destroys them and nothing else; age band, country and date stay
/// readable, since disclosure and counting need them and they identify nobody on their own. LinkedByCoLead names the
/// co-lead that linked it (its own victim); null when the owner did.
public sealed record VictimLinked(
    Guid CaseId,
    Guid VictimLinkId,
    Guid Subject,
    Sealed VictimReference,
    AgeBand AgeBand,
    string Country,
    DateOnly? FirstContactDate,
    Sealed? ContactedBy,
    Grading? Grading = null,
    string? LinkedByCoLead = null) : ICaseEvent;

/// A victim link's details as a correction states them; the contacting identifier sealed under the link's own subject,
/// like VictimLinked's, so that erasing the link erases its corrections too.
public sealed record VictimDetails(AgeBand AgeBand, string Country, DateOnly? FirstContactDate, Sealed? ContactedBy);

/// The owner corrected a victim link (LED Art. 16): the details before and after, so that the event names what it
/// corrects.
public sealed record VictimLinkCorrected(Guid CaseId, Guid VictimLinkId, VictimDetails Before, VictimDetails After, Sealed Reason) : ICaseEvent;

/// The owner erased a victim link: its key is destroyed with this event, so its sealed fields never open again. Who
/// and when are the event's headers and timestamp; Country lets the victim counts drop without opening anything.
public sealed record VictimLinkErased(
    Guid CaseId,
    Guid VictimLinkId,
    Guid Subject,
    string Country,
    ErasureBasis Basis,
    string Reason) : ICaseEvent, IErasesSubject;
