using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.HashCheck;

/// Keeps the filterable hashes inline with the append: a flagged media record's hashes (the PDQ hash among them) join
/// with it, and leave with its retraction.
public sealed class FilterableHashProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case MediaAdded { ProviderFilter: true } added:
                    BulkDocuments.Insert(operations, added.Keys.Select(key => FilterableHash.Of(added, key)).Select(h => (h.Id, h)).ToList(), replace: true);
                    break;
                case MediaRetracted retracted:
                    foreach (var key in retracted.Keys) BulkDocuments.Delete<FilterableHash>(operations, FilterableHash.IdFor(retracted.CaseId, retracted.Keys, key));
                    break;
            }
        }
        return Task.CompletedTask;
    }
}
