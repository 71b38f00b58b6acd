namespace EvidenceHub.Hub.Audit;

/// What VerifyLog found.
public sealed record VerificationResult(
    bool Intact, long EntriesChecked, long CheckpointsChecked, long TreeSize, byte[] RootHash,
    long? FirstBadPosition, long FirstBadSequence, string Problem)
{
    /// Every configured witness with the largest checkpoint its cosignature was verified on (0 and null for none).
    public IReadOnlyList<(string Witness, long TreeSize, DateTimeOffset? At)> Witnesses { get; init; } = [];
    public bool KeysPinned { get; init; }
}
