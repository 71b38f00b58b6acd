namespace EvidenceHub.Hub.Audit;

/// A signed tree head as stored and served: the RFC 9162 tree head with its ECDSA signature, and the same checkpoint
/// as a C2SP signed note (null on checkpoints signed before the hub published notes).
public sealed record SignedCheckpoint(long TreeSize, byte[] RootHash, DateTimeOffset SignedAt, byte[] TreeHead, byte[] Signature, byte[] KeyId)
{
    public string? Note { get; init; }
}
