using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Identifiers;

/// One case holding one canonical identifier: a row of the identifier index, on which lookups and correlation match.
/// A row per holding (not a document per identifier) so that two transactions adding the same identifier never
/// overwrite each other's holding.
public sealed class IdentifierHolding
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public IdentifierKind Kind { get; set; }
    public Guid CaseId { get; set; }
    public DateTimeOffset AddedAt { get; set; }

    public static string IdFor(Guid caseId, string key) => $"{caseId:N}|{key}";
}

/// Keeps the identifier index inline with the append: the holding is in the same transaction as the event.
public sealed partial class IdentifierIndexProjection : EventProjection
{
    public IdentifierHolding Create(IEvent<SuspectIdentifierAdded> e) => new()
    {
        Id = IdentifierHolding.IdFor(e.Data.CaseId, e.Data.Key),
        Key = e.Data.Key,
        Kind = e.Data.Kind,
        CaseId = e.Data.CaseId,
        AddedAt = e.Timestamp,
    };

    public void Project(SuspectIdentifierRetracted e, IDocumentOperations operations) =>
        operations.Delete<IdentifierHolding>(IdentifierHolding.IdFor(e.CaseId, e.Key));
}
