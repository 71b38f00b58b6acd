namespace EvidenceHub.Hub.Audit;

/// One case an answer disclosed: to whom it was shown as owned (its owner then), at which level, by which identifiers.
public sealed record DisclosedCase(Guid CaseId, string OwnerUnit, Sharing.DisclosureLevel Level, IReadOnlyList<string> Keys);
