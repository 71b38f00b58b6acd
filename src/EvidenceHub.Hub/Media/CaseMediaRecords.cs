using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Store;
using EvidenceHub.Media.NearMatch;
using Marten;

namespace EvidenceHub.Hub.Media;

/// The media records a burst's media commands decide on, read in the burst's transaction (MediaHashes.Prepare) and
/// kept up to date as its commands decide, so that a later command of the burst sees what an earlier one added or
/// retracted. A concurrent writer to the same case changes its version, and the burst's commit fails on that.
public sealed class CaseMediaRecords
{
    private readonly Dictionary<string, MediaRecord> records = [];
    // PDQ hashes the burst's earlier commands added: not in the near-match index until the burst commits.
    private readonly List<Hash256> addedPdq = [];

    public CaseMediaRecords(IEnumerable<MediaRecord>? records = null)
    {
        foreach (var record in records ?? []) this.records[record.Id] = record;
    }

    public bool Holds(Guid caseId, IReadOnlyList<string> keys) => records.ContainsKey(MediaRecord.IdFor(caseId, keys));

    /// The case's record added with the file hash, if any (the first added, should several share it).
    public MediaRecord? WithFileHash(Guid caseId, string fileHash) => records.Values
        .Where(r => r.CaseId == caseId && r.HasFileHash(fileHash)).MinBy(r => r.AddedAt);

    public void Record(object @event, DateTimeOffset at)
    {
        switch (@event)
        {
            case MediaAdded added:
                records[MediaRecord.IdFor(added.CaseId, added.Keys)] = MediaRecord.From(added, at);
                if (added.Pdq is { } pdq && Hash256.TryParse(pdq, out var hash)) addedPdq.Add(hash);
                break;
            case MediaRetracted retracted:
                records.Remove(MediaRecord.IdFor(retracted.CaseId, retracted.Keys));
                if (retracted.Pdq is { } gone && Hash256.TryParse(gone, out var removed)) addedPdq.Remove(removed);
                break;
        }
    }

    /// The PDQ hashes added earlier in this burst within the distance of the given one, other than itself: a burst is
    /// a few hundred commands at most, so a scan.
    public IEnumerable<(string Key, int Distance)> NearAddedInBurst(Hash256 hash, int distance) => addedPdq
        .Select(h => (Hash: h, Distance: h.DistanceTo(hash))).Where(m => m.Distance > 0 && m.Distance <= distance)
        .Select(m => (MediaHashes.KeyOf(m.Hash), m.Distance));

    /// The stored records the burst's media commands name: an added record by its id, a retracted one by its file hash.
    public static async Task<CaseMediaRecords> Load(IQuerySession session, IReadOnlyList<Command> commands, CancellationToken cancellation)
    {
        var ids = commands.OfType<AddMedia>().Where(a => a.CaseId is not null).Select(a => a.RecordId).Distinct().ToArray();
        var retractions = commands.OfType<RetractMedia>().Where(r => r.CaseId is not null).ToList();
        var found = new List<MediaRecord>();
        if (ids.Length > 0) found.AddRange(await session.LoadManyAsync<MediaRecord>(cancellation, ids));
        var adds = commands.OfType<AddMedia>().Where(a => a.CaseId is not null).DistinctBy(a => a.RecordId).ToList();
        // An imported record by its first hash (its column's index), its case and its name.
        if (adds.Count > 0)
            found.AddRange(await session.QueryAsync<MediaRecord>(
                string.Join(" UNION ALL ", ImportedMedia.HashColumns[..3].Select(column =>
                    ImportedMedia.SelectRecords($"(i.{column}, i.case_id, i.record) IN (SELECT * FROM unnest(?::text[], ?::uuid[], ?::text[]))"))), cancellation,
                [.. ImportedMedia.HashColumns[..3].SelectMany(column => Of(column))]));
        object[] Of(string column)
        {
            var named = adds.Where(a => ImportedMedia.ColumnOf(a.Keys[0]) == column).ToList();
            return [named.Select(a => a.Keys[0]).ToArray(), named.Select(a => a.CaseId!.Value).ToArray(), named.Select(a => MediaRecord.DigestOf(a.Keys)).ToArray()];
        }
        // Only the owner retracts: another unit's search of a case's records would cost it what the case holds.
        var files = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(Cases.CaseFile)).TableName.QualifiedName;
        foreach (var retraction in retractions)
        {
            found.AddRange(await session.QueryAsync<MediaRecord>(
                $"SELECT r.data FROM {Table(session)} r WHERE CAST(r.data ->> 'CaseId' as uuid) = ? AND jsonb_exists_any(r.data -> 'Keys', ?) " +
                $"AND EXISTS (SELECT 1 FROM {files} f WHERE f.id = ? AND f.data ->> 'OwnerUnit' = ?)",
                cancellation, retraction.CaseId!.Value, retraction.CandidateKeys, retraction.CaseId!.Value, retraction.Caller.UnitId));
            found.AddRange(await session.QueryAsync<MediaRecord>(
                ImportedMedia.SelectRecords("i.case_id = ? AND (i.sha256 = ANY(?) OR i.sha1 = ANY(?) OR i.md5 = ANY(?)) " +
                    $"AND EXISTS (SELECT 1 FROM {files} f WHERE f.id = i.case_id AND f.data ->> 'OwnerUnit' = ?)"),
                cancellation, retraction.CaseId!.Value, retraction.CandidateKeys, retraction.CandidateKeys, retraction.CandidateKeys, retraction.Caller.UnitId));
        }
        return new CaseMediaRecords(found);
    }

    /// A case's records, oldest first (what a reader of the case's media lists).
    public static async Task<IReadOnlyList<MediaRecord>> OfCase(IQuerySession session, Guid caseId, CancellationToken cancellation) =>
        (await session.Query<MediaRecord>().Where(r => r.CaseId == caseId).ToListAsync(cancellation))
        .Concat(await session.QueryAsync<MediaRecord>(ImportedMedia.SelectRecords("i.case_id = ?"), cancellation, caseId))
        .OrderBy(r => r.AddedAt).ToList();

    private static string Table(IQuerySession session) =>
        session.DocumentStore.Options.FindOrResolveDocumentType(typeof(MediaRecord)).TableName.QualifiedName;
}
