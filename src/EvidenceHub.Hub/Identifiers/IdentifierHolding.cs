using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Identifiers;

/// One case holding one canonical identifier: a row of the identifier index, on which lookups and correlation match,
/// and the case's own record of the identifier (GetCase reads a case's identifiers here, not from the case file, so
/// that adding an identifier writes one small row instead of rewriting a case file that grows with every identifier).
/// A row per holding (not a document per identifier) so that two transactions adding the same identifier never
/// overwrite each other's holding. Only active identifiers have a row: a retraction deletes it.
public sealed class IdentifierHolding
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public IdentifierKind Kind { get; set; }
    public Guid CaseId { get; set; }
    public DateTimeOffset AddedAt { get; set; }
    public string CanonicalValue { get; set; } = "";
    public string? Qualifier { get; set; }
    public string RawValue { get; set; } = "";
    public DateTimeOffset? ObservedAt { get; set; }
    public string AddedByUnit { get; set; } = "";
    /// The case version at which it was added: a case lists its identifiers in the order they were added.
    public long AddedAtVersion { get; set; }

    public static string IdFor(Guid caseId, string key) => $"{caseId:N}|{key}";

    public static IdentifierHolding From(SuspectIdentifierAdded added, DateTimeOffset at, string unit, long version) => new()
    {
        Id = IdFor(added.CaseId, added.Key),
        Key = added.Key,
        Kind = added.Kind,
        CaseId = added.CaseId,
        AddedAt = at,
        CanonicalValue = added.CanonicalValue,
        Qualifier = added.Qualifier,
        RawValue = added.RawValue,
        ObservedAt = added.ObservedAt,
        AddedByUnit = unit,
        AddedAtVersion = version,
    };

    public CaseIdentifier ToCaseIdentifier() =>
        new(Kind, CanonicalValue, Qualifier, Key, RawValue, ObservedAt, AddedAt, AddedByUnit) { AddedAtVersion = AddedAtVersion };
}

/// Keeps the identifier index inline with the append: the holdings are in the same transaction as the events, all the
/// transaction's new holdings in one statement (bulk Sync adds hundreds at a time).
public sealed class IdentifierIndexProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var added = new List<(string, IdentifierHolding)>();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                // The owner or a co-lead adds identifiers, and every event names the unit that appended it.
                case SuspectIdentifierAdded identifier:
                    var holding = IdentifierHolding.From(identifier, e.Timestamp, e.GetHeader(EventHeaders.Unit)?.ToString() ?? "", e.Version);
                    added.Add((holding.Id, holding));
                    break;
                case SuspectIdentifierRetracted retracted:
                    // Earlier additions first: one transaction may add, retract and add again.
                    BulkDocuments.Insert(operations, added, replace: true);
                    added = [];
                    BulkDocuments.Delete<IdentifierHolding>(operations, IdentifierHolding.IdFor(retracted.CaseId, retracted.Key));
                    break;
            }
        }
        BulkDocuments.Insert(operations, added, replace: true);
        return Task.CompletedTask;
    }
}
