namespace EvidenceHub.Hub.Audit;

/// An entry of the log with the event it commits to (null when that event is gone from the store).
public sealed record LoggedEntry(long Position, long Sequence, byte[] StoredLeafHash, StoredEvent? Event);
