namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// Short-hands for the violations the per-kind rules produce.
internal static class Refuse
{
    public static CanonicalizationResult Value(string description) =>
        CanonicalizationResult.Refused(IdentifierViolation.ValueField, description);

    public static CanonicalizationResult Platform(string description) =>
        CanonicalizationResult.Refused(IdentifierViolation.PlatformField, description);

    public static CanonicalizationResult ObservedAt(string description) =>
        CanonicalizationResult.Refused(IdentifierViolation.ObservedAtField, description);

    public static bool HasWhitespaceOrControl(string text) => text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
}
