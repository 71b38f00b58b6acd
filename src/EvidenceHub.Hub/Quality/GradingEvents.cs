using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Quality;

/// The owner regraded one of its case's identifiers.
public sealed record IdentifierRegraded(Guid CaseId, string Key, Grading Grading, Sealed Reason) : ICaseEvent;

/// The owner regraded one of its case's victim links.
public sealed record VictimLinkRegraded(Guid CaseId, Guid VictimLinkId, Grading Grading, Sealed Reason) : ICaseEvent;

/// On the identifier's own stream: every unit told of a correlation on it through the regrading case is told of the
/// new grading (the recipients found as a retraction's are, CorrelationRetracted).
public sealed record CorrelationRegraded(string Key, CaseParty Regrading, Grading Grading, Sealed Reason,
    IReadOnlyList<CorrelationRetracted.Recipient> Recipients) : IIdentifierEvent;
