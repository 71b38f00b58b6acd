using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Media;

/// A media record joined the case: the identifier keys of its file hashes (each also added as a suspect identifier),
/// its PDQ hash (hex, Meta's order) and quality, the VICS-style flags and category, and the victim link it shows (by
/// id, never by the victim's reference: that is sealed under the link's key, and erasing the link must leave no copy).
/// ProviderFilter: the owner lets hosting parties match the hashes (HashCheckService), whatever the case's TLP.
public sealed record MediaAdded(
    Guid CaseId, IReadOnlyList<string> Keys, string? Pdq, int PdqQuality, bool VictimIdentified, bool OffenderIdentified,
    bool Distributed, int Category, Guid? VictimLinkId, bool ProviderFilter = false) : ICaseEvent;

/// The owner withdrew a media record; its identifiers are retracted beside it and its PDQ hash near-matches no more.
/// Reason: sealed under the case subject (CaseText), so that erasing the case erases it. BatchId and FileRow: where an
/// imported record came from, whose row leaves with this event: the case as of an earlier moment still lists it.
public sealed record MediaRetracted(Guid CaseId, IReadOnlyList<string> Keys, string? Pdq, Erasure.Sealed Reason, string? BatchId = null, long? FileRow = null)
    : ICaseEvent;

public sealed class MediaOptions
{
    /// PDQ hashes of lower quality (Meta: discard below 50) match too much by chance: refused.
    public int MinQuality { get; set; } = 50;
    /// Two PDQ hashes within this Hamming distance are the same picture, edited (Meta's threshold: 31).
    public int MatchDistance { get; set; } = 31;
}

/// A batch of a hash list joined the case (ImportMedia): its rows are in the media records and identifier holdings,
/// written set-wise with this one event. RowsSha256 commits to every row (MediaBatchRows.Digest), so the audit log's
/// leaf of this event commits to them; Added counts the records new to the case.
public sealed record MediaBatchImported(Guid CaseId, string BatchId, int Count, long FirstRow, string RowsSha256, int Added) : ICaseEvent;

/// The bulk path's limits (configuration section MediaImport).
public sealed class MediaImportOptions
{
    public const string Section = "MediaImport";
    public int MaxRowsPerBatch { get; set; } = 10_000;
    /// A batch's encoded size; the hub's gRPC message limit caps it too.
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;
}
