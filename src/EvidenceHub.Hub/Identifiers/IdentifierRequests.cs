using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Identifiers;

public static class IdentifierRequests
{
    public static CaseCommand Add(Caller caller, AddSuspectIdentifierRequest request, Guid caseId, CorrelationOptions options, CaseLimits limits)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var raw = RawOf(request.Identifier);
        // Canonicalised against the case's country: a national phone format means that country's numbers.
        // Remembered, because the index keys, the decision and the answer all need it.
        (string Country, CanonicalIdentifier Identifier)? canonical = null;
        CanonicalIdentifier CanonicalFor(CaseFile file)
        {
            if (canonical?.Country != file.OwnerCountry) canonical = (file.OwnerCountry, Canonicalize(raw, file.OwnerCountry));
            return canonical.Value.Identifier;
        }
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, index) =>
            {
                var file = CaseRequests.Existing(current, caseId);
                return IdentifierDecisions.Add(file, caller, raw, CanonicalFor(file), index, options, limits);
            },
            Describe: (current, index, events) =>
            {
                var key = CanonicalFor(current!).Key;
                var added = events.OfType<SuspectIdentifierAdded>().FirstOrDefault();
                return new CommandResult
                {
                    // A new identifier's time is the event's, set by the database on commit: GetCase shows it.
                    Identifier = ToProto(added is null ? index.HoldingOf(current!.Id, key)!.ToCaseIdentifier() : CaseIdentifier.From(added, default, current!.OwnerUnit, version: 0)),
                    // What the unit's feed will say, and no more: a value held only by cases it may not see answers
                    // exactly like a value nobody holds.
                    Correlations = events.OfType<CorrelationFound>().Count(found => CaseDisclosure.Of(found.Holding, new Recipient(found.Adding.Unit)) != DisclosureLevel.None),
                    // Common by the holders the unit may see (its own included), never by hidden ones: otherwise
                    // a unit holding a value in enough cases of its own would learn whether a hidden case holds it.
                    Common = index.VisibleOtherHolders(key, current!.Id) >= options.CommonThreshold,
                };
            })
        {
            IndexKeys = current => current is null ? [] : [CanonicalFor(current).Key],
        };
    }

    public static CaseCommand Retract(Caller caller, RetractSuspectIdentifierRequest request, Guid caseId)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var key = Fields.RequiredText(request.IdentifierKey, "identifier_key", Fields.MaxIdentifierKeyLength);
        var reason = Fields.RequiredText(request.Reason, "reason", Fields.MaxReasonLength);
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, index) => IdentifierDecisions.Retract(CaseRequests.Existing(current, caseId), caller, key, reason, index),
            Describe: (_, _, _) => new CommandResult())
        {
            IndexKeys = _ => [key],
        };
    }

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
