using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Quality;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Identifiers;

/// An identifier as a request names it (kind, value, platform, time), and as an answer shows it.
public static class IdentifierMapping
{
    public const int MaxRawValueLength = 1000;
    public const int MaxPlatformLength = 64;

    public static RawIdentifier RawOf(SuspectIdentifierInput? input, string field = "identifier")
    {
        if (input is null) throw Rejection.InvalidArgument(field, "is required");
        var kind = RequestFields.Enum<IdentifierKind>((int)input.Kind, field + ".kind");
        // What canonicalisation does not look at is still stored as sent: no control characters (jsonb refuses NUL).
        RequestFields.Text(input.Value, field + ".value", MaxRawValueLength, required: false);
        RequestFields.Text(input.Platform, field + ".platform", MaxPlatformLength, required: false);
        return new RawIdentifier(kind, input.Value, string.IsNullOrEmpty(input.Platform) ? null : input.Platform,
            RequestFields.Timestamp(input.ObservedAt, field + ".observed_at"));
    }

    public static CanonicalIdentifier Canonicalize(RawIdentifier raw, string region, string field = "identifier")
    {
        var result = IdentifierCanonicalizer.Canonicalize(raw, region);
        return result.Identifier ?? throw Rejection.InvalidArgument(field + "." + result.Violation!.Field, result.Violation.Description);
    }

    public static Contracts.V1.IdentifierKind ToProto(IdentifierKind kind) => (Contracts.V1.IdentifierKind)kind;

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
        Restricted = identifier.Restricted,
        Grading = GradingMapping.ToProto(identifier.Grading),
        ReplacedBy = identifier.ReplacedBy ?? "",
    };
}
