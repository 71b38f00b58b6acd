using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.CoLeads;

/// The owner asked another unit to join its case as co-lead; the invitation stands until ExpiresAt.
public sealed record CoLeadInvited(Guid CaseId, string FromUnit, string CoLeadUnit, Sealed Reason, DateTimeOffset ExpiresAt) : ICaseEvent;

/// The invited unit joined: it leads the case with its owner (OwnerUnit, the owner then, is told).
public sealed record CoLeadJoined(Guid CaseId, string CoLeadUnit, string OwnerUnit) : ICaseEvent;

/// The invited unit declined, with a reason told to the owner.
public sealed record CoLeadInvitationDeclined(Guid CaseId, string CoLeadUnit, string OwnerUnit, Sealed Reason) : ICaseEvent;

/// The owner withdrew its invitation before the invited unit answered, with a reason told to that unit.
public sealed record CoLeadInvitationWithdrawn(Guid CaseId, string CoLeadUnit, string OwnerUnit, Sealed Reason) : ICaseEvent;

/// A co-lead left the case, or its owner removed it (ByUnit says which): the unit's view of the case ends.
public sealed record CoLeadLeft(Guid CaseId, string CoLeadUnit, string ByUnit, string OwnerUnit, Sealed Reason) : ICaseEvent;
