using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Media;

/// Keeps the media records inline with the append, all of a transaction's new records in one statement.
public sealed class MediaRecordProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var added = new List<(string, MediaRecord)>();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case MediaAdded media:
                    var record = MediaRecord.From(media, e.Timestamp);
                    added.Add((record.Id, record));
                    break;
                case MediaRetracted retracted:
                    // Earlier additions first: one transaction may add a record and retract it.
                    BulkDocuments.Insert(operations, added, replace: true);
                    added = [];
                    BulkDocuments.Delete<MediaRecord>(operations, MediaRecord.IdFor(retracted.CaseId, retracted.Keys));
                    break;
            }
        }
        BulkDocuments.Insert(operations, added, replace: true);
        return Task.CompletedTask;
    }
}
