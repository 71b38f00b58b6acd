using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Hub.Media;

/// A media record of a case: a document per record, written inline with its MediaAdded (MediaRecordProjection) and
/// deleted with its MediaRetracted. Not a list on the case file: a case holds thousands of records, and a list there
/// made every burst that added one rewrite all of them. A record is named by its keys; the same keys twice on one case
/// are one record.
public sealed class MediaRecord
{
    public string Id { get; set; } = "";
    public Guid CaseId { get; set; }
    /// The identifier keys of its hashes (file hashes, then the PDQ hash), as MediaAdded lists them.
    public List<string> Keys { get; set; } = [];
    public string? Pdq { get; set; }
    public int PdqQuality { get; set; }
    public bool VictimIdentified { get; set; }
    public bool OffenderIdentified { get; set; }
    public bool Distributed { get; set; }
    public int Category { get; set; }
    public Guid? VictimLinkId { get; set; }
    public bool ProviderFilter { get; set; }
    public DateTimeOffset AddedAt { get; set; }
    /// The ImportMedia batch that added it; null for AddMedia (its MediaAdded is its record).
    public string? BatchId { get; set; }
    /// Its row in the imported file; null for AddMedia.
    public long? FileRow { get; set; }

    public static string IdFor(Guid caseId, IReadOnlyList<string> keys) => $"{caseId:N}|{DigestOf(keys)}";

    /// The same digest of the keys that names a record's rows elsewhere (FilterableHash).
    public static string DigestOf(IReadOnlyList<string> keys) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', keys))))[..16];

    /// Whether the record was added with this file hash: its full key (sha256:…) or its hex alone.
    public bool HasFileHash(string fileHash) => Keys.Any(k => !k.StartsWith("pdq:", StringComparison.Ordinal)
        && (k == fileHash || k.EndsWith(":" + fileHash, StringComparison.Ordinal)));

    public static MediaRecord From(MediaAdded added, DateTimeOffset at) => new()
    {
        Id = IdFor(added.CaseId, added.Keys),
        CaseId = added.CaseId,
        Keys = [.. added.Keys],
        Pdq = added.Pdq,
        PdqQuality = added.PdqQuality,
        VictimIdentified = added.VictimIdentified,
        OffenderIdentified = added.OffenderIdentified,
        Distributed = added.Distributed,
        Category = added.Category,
        VictimLinkId = added.VictimLinkId,
        ProviderFilter = added.ProviderFilter,
        AddedAt = at,
    };
}
