using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Identifiers;

public static class IdentifierRequests
{
    public static CaseCommand Add(Caller caller, AddSuspectIdentifierRequest request)
    {
        var (commandId, caseId) = (Fields.CommandId(request.CommandId), Fields.CaseId(request.CaseId));
        var raw = RawOf(request.Identifier);
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: current =>
            {
                var file = CaseRequests.Existing(current, caseId);
                // Canonicalised against the case's country: a national phone format means that country's numbers.
                var canonical = Canonicalize(raw, file.OwnerCountry);
                return IdentifierDecisions.Add(file, caller, raw, canonical);
            },
            Describe: (current, events) =>
            {
                var canonical = Canonicalize(raw, current!.OwnerCountry);
                var identifier = current.FindIdentifier(canonical.Key) is { } existing
                    ? ToProto(existing)
                    : ToProto((SuspectIdentifierAdded)events[0], current.OwnerUnit);
                return new CommandResult { Identifier = identifier };
            });
    }

    public static RawIdentifier RawOf(SuspectIdentifierInput? input)
    {
        if (input is null) throw Rejection.InvalidArgument("identifier", "is required");
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
            Contracts.V1.IdentifierKind.Unspecified => throw Rejection.InvalidArgument("identifier.kind", "is required"),
            _ => throw Rejection.InvalidArgument("identifier.kind", $"{(int)input.Kind} is not a known identifier kind"),
        };
        return new RawIdentifier(kind, input.Value, string.IsNullOrEmpty(input.Platform) ? null : input.Platform,
            input.ObservedAt?.ToDateTimeOffset());
    }

    public static CanonicalIdentifier Canonicalize(RawIdentifier raw, string region)
    {
        var result = IdentifierCanonicalizer.Canonicalize(raw, region);
        return result.Identifier ?? throw Rejection.InvalidArgument("identifier." + result.Violation!.Field, result.Violation.Description);
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
        AddedAt = Timestamp.FromDateTimeOffset(identifier.AddedAt),
        AddedByUnit = identifier.AddedByUnit,
    };

    private static SuspectIdentifier ToProto(SuspectIdentifierAdded added, string ownerUnit) => new()
    {
        Kind = ToProto(added.Kind),
        CanonicalValue = added.CanonicalValue,
        RawValue = added.RawValue,
        Qualifier = added.Qualifier ?? "",
        Key = added.Key,
        ObservedAt = added.ObservedAt is { } observed ? Timestamp.FromDateTimeOffset(observed) : null,
        AddedByUnit = ownerUnit,
    };
}
