using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Identifiers;

/// Keeps the identifier holdings inline with the append: they are in the same transaction as the events, all the
/// transaction's new holdings in one statement (bulk Sync adds hundreds at a time).
public sealed class IdentifierHoldingProjection : IProjection
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
                case SuspectIdentifierErased erased:
                    BulkDocuments.Insert(operations, added, replace: true);
                    added = [];
                    BulkDocuments.Delete<IdentifierHolding>(operations, IdentifierHolding.IdFor(erased.CaseId, erased.Key));
                    DeleteTokensHeldByNoOtherCase(operations, erased);
                    break;
                case Quality.IdentifierRegraded regraded:
                    BulkDocuments.Insert(operations, added, replace: true);
                    added = [];
                    BulkDocuments.SetField<IdentifierHolding>(operations, IdentifierHolding.IdFor(regraded.CaseId, regraded.Key), nameof(IdentifierHolding.Grading), regraded.Grading);
                    break;
                case Restriction.DataRestricted { What.IdentifierKey: { } key } restricted:
                    BulkDocuments.Insert(operations, added, replace: true);
                    added = [];
                    BulkDocuments.SetField<IdentifierHolding>(operations, IdentifierHolding.IdFor(restricted.CaseId, key), nameof(IdentifierHolding.Restricted), true);
                    break;
                case Restriction.RestrictionLifted { What.IdentifierKey: { } key } lifted:
                    BulkDocuments.Insert(operations, added, replace: true);
                    added = [];
                    BulkDocuments.SetField<IdentifierHolding>(operations, IdentifierHolding.IdFor(lifted.CaseId, key), nameof(IdentifierHolding.Restricted), false);
                    break;
            }
        }
        BulkDocuments.Insert(operations, added, replace: true);
        return Task.CompletedTask;
    }

    /// The blind tokens of an erased holding's value, unless another case still holds it, or any case imported it as a
    /// hash (tokens map to the match key, which every holder of the value shares). Tokens the daemon has not made yet
    /// are never made: their value no longer opens (BlindTokenProjection).
    private static void DeleteTokensHeldByNoOtherCase(IDocumentOperations operations, SuspectIdentifierErased erased)
    {
        string Table<T>() => operations.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        operations.QueueSqlCommand(
            $"DELETE FROM {Table<Lookup.BlindToken>()} WHERE data ->> 'Key' = ? AND NOT EXISTS " +
            $"(SELECT 1 FROM {Table<IdentifierHolding>()} h WHERE h.data ->> 'Key' = ? AND CAST(h.data ->> 'CaseId' AS uuid) <> ?) AND NOT EXISTS " +
            $"(SELECT 1 FROM {Media.ImportedMedia.Table} i WHERE {Media.ImportedMedia.Holds("i", "CAST(? AS text)")})",
            erased.Key, erased.Key, erased.CaseId, erased.Key);
    }
}
