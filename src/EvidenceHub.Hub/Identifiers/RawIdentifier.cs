namespace EvidenceHub.Hub.Identifiers;

/// What a unit sent. Platform is required for PlatformAccount only; ObservedAt is required for IpAddress only.
public sealed record RawIdentifier(IdentifierKind Kind, string Value, string? Platform = null, DateTimeOffset? ObservedAt = null);
