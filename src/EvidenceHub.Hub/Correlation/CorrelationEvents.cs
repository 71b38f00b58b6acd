using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Correlation;

/// An event of an identifier's own stream (one per match key: the identifier's pseudonym): the correlations recorded on it, their retractions,
/// and the units that asked not to correlate on it. Kept apart from the case streams so that replaying a case never
/// shows a unit another unit's case it may not see.
public interface IIdentifierEvent
{
    string Key { get; }
}

/// Two cases hold the same identifier. Both owning units are told, each of the other case only what its policy allows,
/// with the grading the other case gives the identifier. A PDQ near-match is one too, on the adding hash's key, with the
/// Hamming distance to the holding case's hash.
public sealed record CorrelationFound(string Key, IdentifierKind Kind, CaseParty Adding, CaseParty Holding,
    Grading? AddingGrading = null, Grading? HoldingGrading = null) : IIdentifierEvent
{
    public int? Distance { get; init; }
}

/// The adding case withdrew the identifier: every unit told of a correlation on it learns that it was wrong, or, when
/// ReplacedBy names its correction, that it was corrected. HoldsReplacement: the recipient's case holds the
/// correction too (so the notice may name it: the recipient is told of it by a correlation anyway). Reason: the
/// retracting unit's, sealed under its case subject (erasing that case makes it unreadable in every feed); none for an
/// erasure, whose reason goes to nobody.
public sealed record CorrelationRetracted(string Key, CaseParty Retracting, Erasure.Sealed? Reason, IReadOnlyList<CorrelationRetracted.Recipient> Recipients,
    string? ReplacedBy = null) : IIdentifierEvent
{
    /// The retracting case's holding was erased (EraseSuspectIdentifier), not found wrong: recipients get an erasure
    /// notice.
    public bool Erased { get; init; }

    /// Of an erasure: the units and partners a lookup or network answer disclosed the retracting case to by this
    /// identifier (the access log), each told too.
    public IReadOnlyList<string> LookedUpBy { get; init; } = [];

    public sealed record Recipient(string Unit, Guid CaseId, bool HoldsReplacement = false);
}

public sealed record IdentifierMarkedNotToCorrelate(string Key, string Unit, string Reason) : IIdentifierEvent;

/// So many cases hold the identifier that it is common: it generates no more correlations.
public sealed record IdentifierFlaggedCommon(string Key, int Holders) : IIdentifierEvent;
