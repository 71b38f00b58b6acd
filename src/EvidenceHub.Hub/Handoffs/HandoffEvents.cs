using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Handoffs;

/// The lead unit asked another unit to take the case over; the request stands until ExpiresAt (a request recorded
/// before handoffs had deadlines has none, and reads as expired).
public sealed record HandoffRequested(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, Sealed Reason, DateTimeOffset ExpiresAt = default) : ICaseEvent;

/// The target unit took the case over: it is now the owner.
public sealed record HandoffAccepted(Guid CaseId, Guid HandoffId, string FromUnit, string NewOwnerUnit, string NewOwnerCountry) : ICaseEvent;

public sealed record HandoffDeclined(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, Sealed Reason) : ICaseEvent;

/// The requesting owner withdrew a pending handoff: the target's view of the case ends.
public sealed record HandoffCancelled(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, Sealed Reason) : ICaseEvent;

/// The hub recorded that a request passed its deadline unanswered (HandoffDeadlines): both units are told. The
/// escalation level says which deadline passed, so that each is recorded once.
public sealed record HandoffExpired(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, DateTimeOffset ExpiresAt, int EscalationLevel) : ICaseEvent;

/// The requester asked the target again after its request expired: the same handoff, pending again until ExpiresAt,
/// one escalation level higher.
public sealed record HandoffEscalated(Guid CaseId, Guid HandoffId, string FromUnit, string TargetUnit, int EscalationLevel, Sealed Note, DateTimeOffset ExpiresAt) : ICaseEvent;
