using EvidenceHub.Hub.Media;
using Marten;

namespace EvidenceHub.Hub.Takedown;

/// The one place takedown reads a case's media records: those not retracted, found by one of their file hashes (hex,
/// or prefixed "sha256:…"), as RetractMedia names one.
public static class TakedownMedia
{
    public static Task<IReadOnlyList<MediaRecord>> Of(IQuerySession session, Guid caseId, CancellationToken cancellation) =>
        CaseMediaRecords.OfCase(session, caseId, cancellation);

    public static MediaRecord? Find(IReadOnlyList<MediaRecord> records, string fileHash)
    {
        var hash = fileHash.Trim().ToLowerInvariant();
        return records.FirstOrDefault(r => r.HasFileHash(hash));
    }
}
