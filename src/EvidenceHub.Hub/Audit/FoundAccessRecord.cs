namespace EvidenceHub.Hub.Audit;

/// One stored access record, with its place in the global order and, once logged, in the tamper-evident log.
public sealed record FoundAccessRecord(AccessRecorded Record, long Sequence, long? LogPosition);
