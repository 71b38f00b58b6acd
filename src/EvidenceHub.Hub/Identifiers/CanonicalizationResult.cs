using System.Diagnostics.CodeAnalysis;

namespace EvidenceHub.Hub.Identifiers;

/// Either a canonical identifier or the violation that refused it.
public readonly record struct CanonicalizationResult(CanonicalIdentifier? Identifier, IdentifierViolation? Violation)
{
    [MemberNotNullWhen(true, nameof(Identifier))]
    public bool IsValid => Identifier is not null;

    public static CanonicalizationResult Accepted(IdentifierKind kind, string value, string? qualifier = null) =>
        new(new CanonicalIdentifier(kind, value, qualifier), null);

    public static CanonicalizationResult Refused(string field, string description) =>
        new(null, new IdentifierViolation(field, description));
}
