using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
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

    /// The identifier as its owner reads it: the sealed values opened with the case's keys, or the erased placeholder
    /// (then the key reads "[erased]" too, and only the pseudonym still names it).
    public static SuspectIdentifier ToProto(CaseIdentifier identifier, SubjectKeyRing keys)
    {
        // A hash of an imported hash list is not sealed (Media.ImportedMedia): its key is its value.
        if (identifier.CanonicalValue is null) return Imported(identifier);
        var canonical = identifier.CanonicalValue.Open(keys, nameof(SuspectIdentifierAdded.CanonicalValue));
        var erased = identifier.CanonicalValue.IsErased(keys);
        var observed = identifier.ObservedAt?.Open(keys, nameof(SuspectIdentifierAdded.ObservedAt));
        return new SuspectIdentifier
        {
            Kind = ToProto(identifier.Kind),
            CanonicalValue = canonical,
            RawValue = identifier.RawValue.Open(keys, nameof(SuspectIdentifierAdded.RawValue)),
            Qualifier = identifier.Qualifier ?? "",
            Key = erased ? Sealed.ErasedPlaceholder : new CanonicalIdentifier(identifier.Kind, canonical, identifier.Qualifier).Key,
            Pseudonym = identifier.Key,
            ObservedAt = observed is not null && DateTimeOffset.TryParse(observed, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
                ? Timestamp.FromDateTimeOffset(at) : null,
            AddedAt = identifier.AddedAt == default ? null : Timestamp.FromDateTimeOffset(identifier.AddedAt),
            AddedByUnit = identifier.AddedByUnit,
            RetractedAt = identifier.RetractedAt is { } retracted ? Timestamp.FromDateTimeOffset(retracted) : null,
            RetractionReason = identifier.RetractionReason?.Open(keys, nameof(SuspectIdentifierRetracted.Reason)) ?? "",
            Restricted = identifier.Restricted,
            Grading = GradingMapping.ToProto(identifier.Grading),
            ReplacedBy = identifier.ReplacedBy ?? "",
            ErasedAt = identifier.ErasedAt is { } erasedAt ? Timestamp.FromDateTimeOffset(erasedAt) : null,
        };
    }

    private static SuspectIdentifier Imported(CaseIdentifier identifier)
    {
        var value = identifier.Key[(identifier.Key.IndexOf(':') + 1)..];
        return new SuspectIdentifier
        {
            Kind = ToProto(identifier.Kind), CanonicalValue = value, RawValue = value, Key = identifier.Key, Pseudonym = identifier.Key,
            AddedAt = identifier.AddedAt == default ? null : Timestamp.FromDateTimeOffset(identifier.AddedAt), AddedByUnit = identifier.AddedByUnit,
            Restricted = identifier.Restricted,
        };
    }

    /// An identifier the case holds already, as a request names it again: the canonical form is the same (it has the
    /// same key), the raw value and time are the request's (the holding's stay sealed, and this answer needs no key).
    public static SuspectIdentifier AsHeld(CanonicalIdentifier identifier, RawIdentifier raw, IdentifierHolding held) => new()
    {
        Kind = ToProto(identifier.Kind),
        CanonicalValue = identifier.Value,
        RawValue = raw.Value,
        Qualifier = identifier.Qualifier ?? "",
        Key = identifier.Key,
        Pseudonym = held.Key,
        ObservedAt = raw.ObservedAt is { } observed ? Timestamp.FromDateTimeOffset(observed) : null,
        AddedAt = held.AddedAt == default ? null : Timestamp.FromDateTimeOffset(held.AddedAt),
        AddedByUnit = held.AddedByUnit,
        Restricted = held.Restricted,
        Grading = GradingMapping.ToProto(held.Grading),
    };

    /// What a receipt keeps of an answer naming an identifier: kind, qualifier and pseudonym, never the values (a
    /// retry answers with these only; the receipt must hold nothing that erasing the holding would have to reach).
    public static SuspectIdentifier Receipted(SuspectIdentifier shown) => Erasure.IdentifierPseudonym.IsPseudonym(shown.Pseudonym) ? new()
    {
        Kind = shown.Kind, Qualifier = shown.Qualifier, Pseudonym = shown.Pseudonym, AddedAt = shown.AddedAt, AddedByUnit = shown.AddedByUnit,
        Restricted = shown.Restricted, Grading = shown.Grading,
    } : shown;

    /// A case's identifiers for its owner: a replaced one names its replacement by the key the owner knows it by (the
    /// events name it by pseudonym), when the case still holds it.
    public static IEnumerable<SuspectIdentifier> ToProto(IEnumerable<CaseIdentifier> identifiers, SubjectKeyRing keys)
    {
        var shown = identifiers.Select(i => ToProto(i, keys)).ToList();
        var byPseudonym = shown.Where(i => i.Pseudonym.Length > 0 && i.RetractedAt is null).DistinctBy(i => i.Pseudonym).ToDictionary(i => i.Pseudonym, i => i.Key);
        foreach (var identifier in shown.Where(i => i.ReplacedBy.Length > 0))
            if (byPseudonym.TryGetValue(identifier.ReplacedBy, out var key)) identifier.ReplacedBy = key;
        return shown;
    }
}
