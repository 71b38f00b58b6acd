using System.CommandLine;
using System.Globalization;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Cli.Commands;

/// Options and arguments that several commands share, and how their values become request fields.
public static class Common
{
    public static Argument<string> CaseArgument() => new("case")
    {
        Description = "The case: its id (UUID), or your unit's own reference for one of its cases (sent as case_reference)",
    };

    public static Option<string> Why(bool required = true) => new("--why", "--justification")
    {
        Description = "Why you ask: recorded with the call in the hub's access log",
        Required = required,
    };

    public static Option<string?> CommandIdOption() => new("--command-id")
    {
        Description = "The command's id; reuse it to retry a command safely (default: a new id)",
    };

    public static Option<long?> ExpectedVersion() => new("--expected-version")
    {
        Description = "Refuse unless the case is still at this version (optimistic concurrency)",
    };

    public static Option<string?> Kind() => new("--kind", "-k") { Description = "Identifier kind: " + Vocabulary.OneOf(Vocabulary.KindWords) };
    public static Option<string?> Value() => new("--value", "-v") { Description = "The identifier as you have it (the hub canonicalises it)" };
    public static Option<string?> Platform() => new("--platform", "-p") { Description = "Platform accounts: the platform, e.g. snapchat, instagram" };
    public static Option<string?> ObservedAt() => new("--observed-at") { Description = "IP addresses: when it was seen (ISO 8601, e.g. 2024-05-01T21:14:00Z)" };
    public static Option<string?> IdentifierKey() => new("--key") { Description = "A canonical identifier key as the hub prints it, e.g. phone:+31612345678 or account:snapchat:some_handle" };

    /// A case argument, either a case id or the caller's own reference: the request's case_id or case_reference.
    public static (string CaseId, string CaseReference) Case(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new UsageException("case: give a case id or your case reference");
        return Guid.TryParse(trimmed, out var id) ? (id.ToString(), "") : ("", trimmed);
    }

    /// The case id for calls that take only an id: a reference (one of the caller's own cases) is looked up first,
    /// with GetCase, which the hub records as a consultation with the same justification.
    public static async Task<string> CaseId(HubConnection hub, string text, Justification justification, CancellationToken cancellation)
    {
        var (caseId, reference) = Case(text);
        if (reference.Length == 0) return caseId;
        var found = await hub.Cases.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = justification },
            deadline: hub.Deadline, cancellationToken: cancellation);
        return found.CaseId;
    }

    /// The identifier from --kind/--value/--platform/--observed-at, or from --key.
    public static SuspectIdentifierInput Identifier(Invocation run, Option<string?> kind, Option<string?> value, Option<string?> platform,
        Option<string?> observedAt, Option<string?>? key = null)
    {
        var observed = Moment(run.Get(observedAt), "--observed-at");
        if (key is not null && run.Get(key) is { } keyText)
        {
            if (run.Get(kind) is not null || run.Get(value) is not null) throw new UsageException("give either --key or --kind with --value, not both");
            return IdentifierKeys.ToInput(keyText, observed);
        }
        var kindText = run.Get(kind) ?? throw new UsageException("--kind is required (" + Vocabulary.OneOf(Vocabulary.KindWords) + ")" + (key is null ? "" : ", or give --key"));
        var input = new SuspectIdentifierInput
        {
            Kind = Vocabulary.Required(Vocabulary.ParseKind(kindText), "--kind", kindText, Vocabulary.KindWords),
            Value = run.Get(value) ?? throw new UsageException("--value is required"),
            Platform = run.Get(platform) ?? "",
        };
        if (observed is { } at) input.ObservedAt = Timestamp.FromDateTimeOffset(at);
        return input;
    }

    public static DateTimeOffset? Moment(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var moment))
            return moment;
        throw new UsageException($"{option}: '{text}' is not a date and time (ISO 8601, e.g. 2024-05-01T21:14:00Z or 2024-05-01)");
    }

    public static Google.Type.Date? Date(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            throw new UsageException($"{option}: '{text}' is not a date (YYYY-MM-DD)");
        return new Google.Type.Date { Year = date.Year, Month = date.Month, Day = date.Day };
    }

    public static Justification Justification(string purpose, string? caseReference = null) =>
        new() { Purpose = purpose, CaseReference = caseReference ?? "" };
}
