namespace EvidenceHub.Hub.Audit;

/// One event of a case's history, with where it sits in the tamper-evident log once logged.
public sealed record HistoryEvent(StoredEvent Event, long? LogPosition, byte[]? LeafHash);
