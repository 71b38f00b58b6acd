namespace EvidenceHub.Hub.Handoffs;

/// The lead unit asked another unit to take the case over.
public sealed record HandoffRequested(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, string Reason);

/// The target unit took the case over: it is now the owner.
public sealed record HandoffAccepted(Guid CaseId, Guid HandoffId, string FromUnit, string NewOwnerUnit, string NewOwnerCountry);

public sealed record HandoffDeclined(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, string Reason);
