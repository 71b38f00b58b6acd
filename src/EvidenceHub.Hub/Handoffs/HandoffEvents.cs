using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Handoffs;

/// The lead unit asked another unit to take the case over; the request stands until ExpiresAt (a request recorded
/// before handoffs had deadlines has none, and reads as expired).
public sealed record HandoffRequested(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, string Reason, DateTimeOffset ExpiresAt = default) : ICaseEvent;

/// The target unit took the case over: it is now the owner.
public sealed record HandoffAccepted(Guid CaseId, Guid HandoffId, string FromUnit, string NewOwnerUnit, string NewOwnerCountry) : ICaseEvent;

public sealed record HandoffDeclined(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, string Reason) : ICaseEvent;

/// The requesting owner withdrew a pending handoff: the target's view of the case ends.
public sealed record HandoffCancelled(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, string Reason) : ICaseEvent;
