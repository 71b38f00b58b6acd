using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Quality;

namespace EvidenceHub.Hub.Identifiers;

/// One case holding one canonical identifier: a row of the identifier holdings, on which lookups and correlation match,
/// and the case's own record of the identifier (GetCase reads a case's identifiers here, not from the case file, so
/// that adding an identifier writes one small row instead of rewriting a case file that grows with every identifier).
/// A row per holding (not a document per identifier) so that two transactions adding the same identifier never
/// overwrite each other's holding. Only active identifiers have a row: a retraction or an erasure deletes it.
/// Key is the match key (a pseudonym); the values stay sealed under the holding's subject, and readers open them.
public sealed class IdentifierHolding
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public IdentifierKind Kind { get; set; }
    public Guid CaseId { get; set; }
    public DateTimeOffset AddedAt { get; set; }
    public Guid Subject { get; set; }
    public Sealed CanonicalValue { get; set; } = null!;
    public string? Qualifier { get; set; }
    public Sealed RawValue { get; set; } = null!;
    public Sealed? ObservedAt { get; set; }
    public string AddedByUnit { get; set; } = "";
    /// The case version at which it was added: a case lists its identifiers in the order they were added.
    public long AddedAtVersion { get; set; }
    /// Restricted by the owner (RestrictData): no longer a hit or a correlation for anyone but the owner and auditors;
    /// lookups, networks and correlation filter on it inside their queries.
    public bool Restricted { get; set; }
    /// As the owner last graded it; null: none stated.
    public Grading? Grading { get; set; }
    /// A hash of an imported hash list (Media.ImportedMedia), read from its row: nothing of it is sealed, and it is
    /// withdrawn with its media record (RetractMedia), not on its own.
    public bool Imported { get; set; }

    public static string IdFor(Guid caseId, string key) => $"{caseId:N}|{key}";

    public static IdentifierHolding From(SuspectIdentifierAdded added, DateTimeOffset at, string unit, long version) => new()
    {
        Id = IdFor(added.CaseId, added.Key),
        Key = added.Key,
        Kind = added.Kind,
        CaseId = added.CaseId,
        AddedAt = at,
        Subject = added.Subject,
        CanonicalValue = added.CanonicalValue,
        Qualifier = added.Qualifier,
        RawValue = added.RawValue,
        ObservedAt = added.ObservedAt,
        AddedByUnit = unit,
        AddedAtVersion = version,
        Grading = added.Grading,
    };

    public CaseIdentifier ToCaseIdentifier() =>
        new(Kind, Key, Subject, CanonicalValue, Qualifier, RawValue, ObservedAt, AddedAt, AddedByUnit) { AddedAtVersion = AddedAtVersion, Restricted = Restricted, Grading = Grading };
}
