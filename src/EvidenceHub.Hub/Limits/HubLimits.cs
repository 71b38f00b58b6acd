using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Limits;

/// Every limit a caller can run into, in one configuration section ("Limits"), one group per capability. The defaults
/// are safe for production; the README's "Limits" section lists each with its key and the error a caller gets.
public sealed class HubLimits
{
    public const string Section = "Limits";

    public CaseLimits Cases { get; set; } = new();
    public AnswerLimits Answers { get; set; } = new();
    public LookupQuotaLimits LookupQuota { get; set; } = new();
    public StreamLimits Streams { get; set; } = new();
    public FeedLimits Feed { get; set; } = new();
    public HashCheckLimits HashCheck { get; set; } = new();

    /// What is wrong with the configured values, for a start-up that refuses them with a clear message.
    public IEnumerable<string> Problems()
    {
        static IEnumerable<string> Positive(string key, long value) =>
            value > 0 ? [] : [$"{Section}:{key} must be positive (is {value})"];

        return Positive("Cases:MaxActiveIdentifiers", Cases.MaxActiveIdentifiers)
            .Concat(Positive("Cases:MaxVictimLinks", Cases.MaxVictimLinks))
            .Concat(Positive("Answers:CasePageSize", Answers.CasePageSize))
            .Concat(Positive("Answers:MaxCasePageSize", Answers.MaxCasePageSize))
            .Concat(Answers.CasePageSize <= Answers.MaxCasePageSize ? [] : [$"{Section}:Answers:CasePageSize must not exceed MaxCasePageSize"])
            .Concat(Positive("Answers:NetworkMaxCases", Answers.NetworkMaxCases))
            .Concat(Positive("Answers:NetworkMaxIdentifiers", Answers.NetworkMaxIdentifiers))
            .Concat(Positive("Answers:AccessRecordMaxIdentifierKeys", Answers.AccessRecordMaxIdentifierKeys))
            .Concat(new[] { ("LookupQuota", LookupQuota.Default) }.Concat(LookupQuota.Units.Select(u => ($"LookupQuota:Units:{u.Key}", u.Value)))
                .SelectMany(q => Positive($"{q.Item1}:PerHour", q.Item2.PerHour).Concat(Positive($"{q.Item1}:Burst", q.Item2.Burst))))
            .Concat(Positive("Streams:MaxSyncPerUnit", Streams.MaxSyncPerUnit))
            .Concat(Positive("Streams:MaxBatchLookupPerUnit", Streams.MaxBatchLookupPerUnit))
            .Concat(Positive("Streams:MaxSubscribePerUnit", Streams.MaxSubscribePerUnit))
            .Concat(Positive("Streams:IdleTimeoutSeconds", Streams.IdleTimeoutSeconds))
            .Concat(Positive("Streams:MaxReceiveMessageBytes", Streams.MaxReceiveMessageBytes))
            .Concat(Positive("Streams:MaxSendMessageBytes", Streams.MaxSendMessageBytes))
            .Concat(Positive("Feed:SafetyPollMilliseconds", Feed.SafetyPollMilliseconds))
            .Concat(Positive("HashCheck:MaxQuestionsPerCall", HashCheck.MaxQuestionsPerCall));
    }
}

/// How much one case may hold: beyond this a case is a dump, not an investigation, and every answer about it grows.
public sealed class CaseLimits
{
    public int MaxActiveIdentifiers { get; set; } = 5_000;
    public int MaxVictimLinks { get; set; } = 5_000;
    /// Media records a case may take in through ImportMedia (hash lists), counted apart from its active identifiers.
    public int MaxImportedRows { get; set; } = 5_000_000;
}

/// How large one answer, or its access record, may become.
public sealed class AnswerLimits
{
    /// GetCase: identifiers and victim links per page when the request names no page_size, and the most it may name.
    public int CasePageSize { get; set; } = 1_000;
    public int MaxCasePageSize { get; set; } = 5_000;
    /// GetNetwork: the walk stops (the answer says truncated) at this many cases or identifiers.
    public int NetworkMaxCases { get; set; } = 500;
    public int NetworkMaxIdentifiers { get; set; } = 5_000;
    /// Identifier keys listed in one access record; the rest are counted in its disclosure text.
    public int AccessRecordMaxIdentifierKeys { get; set; } = 1_000;
}

/// Identifiers a unit may look up (Lookup, BatchLookup items, identifiers disclosed by GetNetwork): a token bucket per
/// unit, refilled at PerHour and holding at most Burst. Kept in memory per hub instance.
public sealed class LookupQuotaLimits
{
    public LookupRate Default { get; set; } = new();
    /// Per-unit exceptions, by unit id (e.g. "Limits:LookupQuota:Units:US-HSI-C3:PerHour").
    public Dictionary<string, LookupRate> Units { get; set; } = new(StringComparer.Ordinal);

    public LookupRate For(string unitId) => Units.GetValueOrDefault(unitId) ?? Default;
}

public sealed class LookupRate
{
    public long PerHour { get; set; } = 100_000;
    public long Burst { get; set; } = 10_000;
}

public sealed class StreamLimits
{
    /// Streams one unit may hold open at once, per kind.
    public int MaxSyncPerUnit { get; set; } = 8;
    public int MaxBatchLookupPerUnit { get; set; } = 8;
    public int MaxSubscribePerUnit { get; set; } = 4;
    /// A Sync or BatchLookup stream on which the client sends nothing for this long is ended (DEADLINE_EXCEEDED).
    public int IdleTimeoutSeconds { get; set; } = 120;
    /// The largest message the hub accepts (gRPC's own default, stated), and the largest it sends.
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;
    public int MaxSendMessageBytes { get; set; } = 16 * 1024 * 1024;
}

public sealed class FeedLimits
{
    /// Subscribers wake on PostgreSQL NOTIFY; this slow poll is only the backstop for a lost notification.
    public int SafetyPollMilliseconds { get; set; } = 5_000;
}

/// Hosting parties' hash checks (CheckHashes); each question also spends the caller's lookup quota.
public sealed class HashCheckLimits
{
    public int MaxQuestionsPerCall { get; set; } = 1_000;
}

public static class LimitsSetup
{
    public static WebApplicationBuilder AddLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HubLimits>().Bind(builder.Configuration.GetSection(HubLimits.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HubLimits>, ValidLimits>();
        builder.Services.AddSingleton<Lookup.LookupQuota>();
        builder.Services.AddSingleton<StreamCounters>();
        builder.Services.AddOptions<GrpcServiceOptions>().Configure<IOptions<HubLimits>>((grpc, limits) =>
        {
            grpc.MaxReceiveMessageSize = limits.Value.Streams.MaxReceiveMessageBytes;
            grpc.MaxSendMessageSize = limits.Value.Streams.MaxSendMessageBytes;
        });
        return builder;
    }

    private sealed class ValidLimits : IValidateOptions<HubLimits>
    {
        public ValidateOptionsResult Validate(string? name, HubLimits options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
