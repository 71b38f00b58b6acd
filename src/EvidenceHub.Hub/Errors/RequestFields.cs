using System.Buffers;

namespace EvidenceHub.Hub.Errors;

/// Checks on request fields that every capability shares; each failure names the field.
public static class RequestFields
{
    public const int MaxCommandIdLength = 128;
    public const int MaxReferenceLength = 128;
    public const int MaxReasonLength = 2000;
    /// An identifier's matching key: a kind prefix, a qualifier and a canonical value of at most 256 characters.
    public const int MaxIdentifierKeyLength = 320;

    private static readonly SearchValues<char> CommandIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/");

    public static string CommandId(string value, string field = "command_id")
    {
        if (string.IsNullOrEmpty(value)) throw Rejection.InvalidArgument(field, "is required: choose one per command and reuse it on retries");
        if (value.Length > MaxCommandIdLength) throw Rejection.InvalidArgument(field, $"is longer than {MaxCommandIdLength} characters");
        if (value.AsSpan().ContainsAnyExcept(CommandIdChars))
            throw Rejection.InvalidArgument(field, "may hold only letters, digits and - _ . : /");
        return value;
    }

    /// A caller's value echoed back (e.g. a command id in a Sync result), cut to the length a valid one may have.
    public static string Bounded(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];

    public static Guid CaseId(string value) => Id(value, "case_id");

    /// The id of a case to open: a random UUID version 4 (RFC 9562), or the hub's own when empty. The hub's internal
    /// streams are named by version 7 (access records) and version 8 (identifiers) ids, so an id a client chooses can
    /// never name one of them, and a random id cannot be guessed from a unit and a reference to squat it.
    public static Guid NewCaseId(string value)
    {
        if (string.IsNullOrEmpty(value)) return Guid.NewGuid();
        const string description = "case ids must be random UUIDv4 (RFC 9562 version 4) or left empty for the hub to assign one";
        if (!Guid.TryParse(value, out var id)) throw Rejection.InvalidArgument("case_id", description);
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        if (bytes[6] >> 4 != 4 || (bytes[8] & 0xC0) != 0x80) throw Rejection.InvalidArgument("case_id", description);
        return id;
    }

    public static Guid Id(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) throw Rejection.InvalidArgument(field, "is required");
        if (!Guid.TryParse(value, out var id) || id == Guid.Empty) throw Rejection.InvalidArgument(field, "is not a UUID");
        return id;
    }

    /// Trimmed text without control characters; null when optional and empty.
    public static string? Text(string value, string field, int maxLength, bool required)
    {
        var text = value.Trim();
        if (text.Length == 0)
            return required ? throw Rejection.InvalidArgument(field, "is required") : null;
        if (text.Length > maxLength) throw Rejection.InvalidArgument(field, $"is longer than {maxLength} characters");
        if (text.Any(c => char.IsControl(c) && c is not '\n' and not '\t'))
            throw Rejection.InvalidArgument(field, "contains control characters");
        return text;
    }

    public static string RequiredText(string value, string field, int maxLength) => Text(value, field, maxLength, required: true)!;

    /// A proto enum mapped onto the domain enum of the same numbering; 0 (UNSPECIFIED) and unknown numbers are refused.
    public static TDomain Enum<TDomain>(int value, string field) where TDomain : struct, System.Enum
    {
        if (value == 0) throw Rejection.InvalidArgument(field, "is required");
        var domain = (TDomain)System.Enum.ToObject(typeof(TDomain), value);
        if (!System.Enum.IsDefined(domain)) throw Rejection.InvalidArgument(field, $"{value} is not a known value");
        return domain;
    }

    // The range google.protobuf.Timestamp defines: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    // google.protobuf.Duration: ±315,576,000,000 seconds (about 10,000 years), nanos of the same sign.
    private const long MaxDurationSeconds = 315_576_000_000;

    /// A Timestamp from a request, in the range its definition allows; null when absent. ToDateTimeOffset throws
    /// on anything outside it, which would surface as INTERNAL.
    public static DateTimeOffset? Timestamp(Google.Protobuf.WellKnownTypes.Timestamp? value, string field)
    {
        if (value is null) return null;
        if (value.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds)
            throw Rejection.InvalidArgument(field, "is outside the range of google.protobuf.Timestamp (years 1 to 9999)");
        if (value.Nanos is < 0 or > 999_999_999)
            throw Rejection.InvalidArgument(field, "has nanos outside 0..999999999");
        return value.ToDateTimeOffset();
    }

    /// A Duration from a request, in the range its definition allows; null when absent.
    public static TimeSpan? Duration(Google.Protobuf.WellKnownTypes.Duration? value, string field)
    {
        if (value is null) return null;
        if (value.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds)
            throw Rejection.InvalidArgument(field, "is outside the range of google.protobuf.Duration (about 10,000 years)");
        if (value.Nanos is < -999_999_999 or > 999_999_999 || (value.Seconds > 0 && value.Nanos < 0) || (value.Seconds < 0 && value.Nanos > 0))
            throw Rejection.InvalidArgument(field, "has nanos outside -999999999..999999999 or of the other sign than seconds");
        // TimeSpan holds about ±29,000 years, so every valid Duration fits.
        return value.ToTimeSpan();
    }

    /// A full calendar date (year 1..9999, a real month and day); null when absent or all zero (google.type.Date's
    /// "no date"). Partial dates (a zero month or day) are refused: the hub stores whole days.
    public static DateOnly? Date(Google.Type.Date? value, string field)
    {
        if (value is null || (value.Year == 0 && value.Month == 0 && value.Day == 0)) return null;
        if (value.Year is < 1 or > 9999) throw Rejection.InvalidArgument(field, $"year {value.Year} is outside 1..9999");
        if (value.Month is < 1 or > 12) throw Rejection.InvalidArgument(field, $"month {value.Month} is outside 1..12");
        if (value.Day < 1 || value.Day > DateTime.DaysInMonth(value.Year, value.Month))
            throw Rejection.InvalidArgument(field, $"{value.Year:D4}-{value.Month:D2}-{value.Day:D2} is not a valid date");
        return new DateOnly(value.Year, value.Month, value.Day);
    }

    /// An optimistic-concurrency version the client saw: null when not stated; a stated version is never negative.
    public static long? ExpectedVersion(long? value) =>
        value is < 0 ? throw Rejection.InvalidArgument("expected_version", $"{value} is negative: a case's version starts at 1") : value;

    public static string Country(string value, string field)
    {
        var code = value.Trim().ToUpperInvariant();
        if (code.Length == 0) throw Rejection.InvalidArgument(field, "is required");
        if (!Countries.IsIso3166Alpha2(code)) throw Rejection.InvalidArgument(field, $"'{LogText.Quote(value)}' is not an ISO 3166-1 alpha-2 country code");
        return code;
    }
}
