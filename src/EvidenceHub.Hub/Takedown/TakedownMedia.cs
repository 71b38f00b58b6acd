using EvidenceHub.Hub.Media;
using Marten;

namespace EvidenceHub.Hub.Takedown;

/// The one place takedown reads a case's media records: those not retracted, found by one of their file hashes (hex,
/// or prefixed "sha256:…"), as RetractMedia names one. Only the records a request names are read, by their hashes
/// (indexed, added and imported alike): a hash-list case holds millions.
public static class TakedownMedia
{
    /// The case's records holding any of the named file hashes, oldest first (those that Find may pick from).
    public static async Task<IReadOnlyList<MediaRecord>> Named(IQuerySession session, Guid caseId, IReadOnlyList<string> fileHashes, CancellationToken cancellation)
    {
        var keys = fileHashes.Select(Normalised).SelectMany(h => h.Contains(':') ? [h] : new[] { "sha256:" + h, "sha1:" + h, "md5:" + h }).Distinct().ToArray();
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(MediaRecord)).TableName.QualifiedName;
        var added = await session.QueryAsync<MediaRecord>(
            $"SELECT r.data FROM {table} r WHERE CAST(r.data ->> 'CaseId' as uuid) = ? AND jsonb_exists_any(r.data -> 'Keys', ?)", cancellation, caseId, keys);
        var imported = await session.QueryAsync<MediaRecord>(
            ImportedMedia.SelectRecords("i.case_id = ? AND (i.sha256 = ANY(?) OR i.sha1 = ANY(?) OR i.md5 = ANY(?))"), cancellation, caseId, keys, keys, keys);
        return added.Concat(imported).OrderBy(r => r.AddedAt).ToList();
    }

    public static MediaRecord? Find(IReadOnlyList<MediaRecord> records, string fileHash)
    {
        var hash = Normalised(fileHash);
        return records.FirstOrDefault(r => r.HasFileHash(hash));
    }

    private static string Normalised(string fileHash) => fileHash.Trim().ToLowerInvariant();
}
