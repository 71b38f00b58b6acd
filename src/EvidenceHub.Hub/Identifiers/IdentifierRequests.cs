using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Identifiers;

/// An identifier as a request names it (kind, value, platform, time), and as an answer shows it.
public static class IdentifierRequests
{
    public const int MaxRawValueLength = 1000;
    public const int MaxPlatformLength = 64;

    public static RawIdentifier RawOf(SuspectIdentifierInput? input, string field = "identifier")
    {
        if (input is null) throw Rejection.InvalidArgument(field, "is required");
        var kind = input.Kind switch
        {
            Contracts.V1.IdentifierKind.PhoneNumber => IdentifierKind.PhoneNumber,
            Contracts.V1.IdentifierKind.EmailAddress => IdentifierKind.EmailAddress,
            Contracts.V1.IdentifierKind.PlatformAccount => IdentifierKind.PlatformAccount,
            Contracts.V1.IdentifierKind.Iban => IdentifierKind.Iban,
            Contracts.V1.IdentifierKind.CryptoWallet => IdentifierKind.CryptoWallet,
            Contracts.V1.IdentifierKind.IpAddress => IdentifierKind.IpAddress,
            Contracts.V1.IdentifierKind.FileHashSha256 => IdentifierKind.FileHashSha256,
            Contracts.V1.IdentifierKind.FileHashMd5 => IdentifierKind.FileHashMd5,
            Contracts.V1.IdentifierKind.PerceptualHash => IdentifierKind.PerceptualHash,
            Contracts.V1.IdentifierKind.FileHashSha1 => IdentifierKind.FileHashSha1,
            Contracts.V1.IdentifierKind.Unspecified => throw Rejection.InvalidArgument(field + ".kind", "is required"),
            _ => throw Rejection.InvalidArgument(field + ".kind", $"{(int)input.Kind} is not a known identifier kind"),
        };
        // What canonicalisation does not look at is still stored as sent: no control characters (jsonb refuses NUL).
        Fields.Text(input.Value, field + ".value", MaxRawValueLength, required: false);
        Fields.Text(input.Platform, field + ".platform", MaxPlatformLength, required: false);
        return new RawIdentifier(kind, input.Value, string.IsNullOrEmpty(input.Platform) ? null : input.Platform,
            Fields.Timestamp(input.ObservedAt, field + ".observed_at"));
    }

    public static CanonicalIdentifier Canonicalize(RawIdentifier raw, string region, string field = "identifier")
    {
        var result = IdentifierCanonicalizer.Canonicalize(raw, region);
        return result.Identifier ?? throw Rejection.InvalidArgument(field + "." + result.Violation!.Field, result.Violation.Description);
    }

    public static Contracts.V1.IdentifierKind ToProto(IdentifierKind kind) => kind switch
    {
        IdentifierKind.PhoneNumber => Contracts.V1.IdentifierKind.PhoneNumber,
        IdentifierKind.EmailAddress => Contracts.V1.IdentifierKind.EmailAddress,
        IdentifierKind.PlatformAccount => Contracts.V1.IdentifierKind.PlatformAccount,
        IdentifierKind.Iban => Contracts.V1.IdentifierKind.Iban,
        IdentifierKind.CryptoWallet => Contracts.V1.IdentifierKind.CryptoWallet,
        IdentifierKind.IpAddress => Contracts.V1.IdentifierKind.IpAddress,
        IdentifierKind.FileHashSha256 => Contracts.V1.IdentifierKind.FileHashSha256,
        IdentifierKind.FileHashMd5 => Contracts.V1.IdentifierKind.FileHashMd5,
        IdentifierKind.PerceptualHash => Contracts.V1.IdentifierKind.PerceptualHash,
        IdentifierKind.FileHashSha1 => Contracts.V1.IdentifierKind.FileHashSha1,
        _ => Contracts.V1.IdentifierKind.Unspecified,
    };

    public static SuspectIdentifier ToProto(CaseIdentifier identifier) => new()
    {
        Kind = ToProto(identifier.Kind),
        CanonicalValue = identifier.CanonicalValue,
        RawValue = identifier.RawValue,
        Qualifier = identifier.Qualifier ?? "",
        Key = identifier.Key,
        ObservedAt = identifier.ObservedAt is { } observed ? Timestamp.FromDateTimeOffset(observed) : null,
        AddedAt = identifier.AddedAt == default ? null : Timestamp.FromDateTimeOffset(identifier.AddedAt),
        AddedByUnit = identifier.AddedByUnit,
        RetractedAt = identifier.RetractedAt is { } retracted ? Timestamp.FromDateTimeOffset(retracted) : null,
        RetractionReason = identifier.RetractionReason ?? "",
    };
}
