using EvidenceHub.Hub.Cases;
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
/// (ReplaceSuspectIdentifier).
public sealed record SuspectIdentifierRetracted(Guid CaseId, string Key, string Reason, CaseIdentifier? Identifier = null, string? ReplacedBy = null) : ICaseEvent;
