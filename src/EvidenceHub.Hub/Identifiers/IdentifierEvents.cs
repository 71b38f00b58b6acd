using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Quality;

namespace EvidenceHub.Hub.Identifiers;

/// A suspect identifier was tied to a case: the canonical form it is matched on, the raw form the unit sent, and its
/// grading as the unit stated it (null: none stated).
public sealed record SuspectIdentifierAdded(
    Guid CaseId,
    IdentifierKind Kind,
    string CanonicalValue,
    string? Qualifier,
    string Key,
    string RawValue,
    string? RawPlatform,
    DateTimeOffset? ObservedAt,
    Grading? Grading = null) : ICaseEvent;

/// The owning unit withdrew an identifier as wrong: it no longer matches, and correlations on it are retracted.
/// Names the identifier as the case held it, so that the case file can keep showing it, marked, without keeping
/// every active identifier. ReplacedBy names the identifier that corrects it, when it was retracted as wrongly typed
/// (ReplaceSuspectIdentifier); Recontacted then holds the victim links contacted by the wrong one, each with the
/// replacement sealed under the link's own subject (the file cannot open and compare them itself).
public sealed record SuspectIdentifierRetracted(Guid CaseId, string Key, string Reason, CaseIdentifier? Identifier = null, string? ReplacedBy = null,
    IReadOnlyList<VictimRecontacted>? Recontacted = null) : ICaseEvent;

/// A victim link whose contacting identifier is now the one that replaced a wrongly typed identifier.
public sealed record VictimRecontacted(Guid VictimLinkId, Sealed ContactedBy);
