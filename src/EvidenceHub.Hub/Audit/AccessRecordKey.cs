namespace EvidenceHub.Hub.Audit;

/// Where an access record sits in the access index's order: the key a page continues after.
public readonly record struct AccessRecordKey(DateTime At, Guid Stream, long Version);
