using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Victims;

public enum AgeBand { Under13 = 1, From13To15 = 2, From16To17 = 3, Adult = 4, Unknown = 5 }

/// A victim was tied to a case: a pseudonymous reference from the owning unit's system, never a name.
/// ContactedBy is the key of the case's identifier that made contact, when known. Both are sealed under the link's own
/// subject key (Subject), so that erasing the link destroys them and nothing else; age band, country and date stay
/// readable, since disclosure and counting need them and they identify nobody on their own.
public sealed record VictimLinked(
    Guid CaseId,
    Guid VictimLinkId,
    Guid Subject,
    Sealed VictimReference,
    AgeBand AgeBand,
    string Country,
    DateOnly? FirstContactDate,
    Sealed? ContactedBy) : ICaseEvent;

/// The owner erased a victim link: its key is destroyed with this event, so its sealed fields never open again. Who
/// and when are the event's headers and timestamp; Country lets the victim counts drop without opening anything.
public sealed record VictimLinkErased(
    Guid CaseId,
    Guid VictimLinkId,
    Guid Subject,
    string Country,
    ErasureBasis Basis,
    string Reason) : ICaseEvent, IErasesSubject;
