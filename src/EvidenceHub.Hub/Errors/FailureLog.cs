using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Errors;

/// Logs each distinct failure (where the hub met it, the exception's type and the code that threw it) once with its
/// stack trace, and its later occurrences as one short line with their count per interval: a failing path (a bug, or
/// PostgreSQL away under load) must not flood the log. One per hub (a singleton), used by every place that logs a
/// failure that can repeat at the rate of calls: unexpected INTERNAL answers, access-log writes, the log writer.
public sealed class FailureLog(ILoggerFactory loggers, TimeProvider clock, IOptions<FailureLogOptions> options)
{
    private sealed class Occurrences(DateTimeOffset at)
    {
        public DateTimeOffset LastLine = at;
        public long Unlogged;
    }

    public const string OtherFailures = "other failures";
    private readonly ConcurrentDictionary<string, Occurrences> seen = new(StringComparer.Ordinal);
    private readonly ILogger calls = loggers.CreateLogger("EvidenceHub.Hub.Errors");

    /// A hub's FailureLog, found through the call; a call outside a hub (a unit test's context) logs nowhere.
    public static FailureLog Of(ServerCallContext context)
    {
        try { return context.GetHttpContext().RequestServices.GetService<FailureLog>() ?? Detached; }
        catch (InvalidOperationException) { return Detached; }
    }

    private static readonly FailureLog Detached = new(NullLoggerFactory.Instance, TimeProvider.System, Options.Create(new FailureLogOptions()));

    /// An unexpected failure of a call (answered INTERNAL with this trace id).
    public void ReportCall(Exception exception, string method, string traceId) =>
        Report(calls, $"{LogText.Escape(method)} (failed unexpectedly)", exception, traceId);

    /// Logs the failure at `site` (a fixed description of what failed, never caller text) through `logger`: in full
    /// the first time, then at most one line per interval with the count since the last line.
    public void Report(ILogger logger, string site, Exception exception, string? traceId = null)
    {
        var failure = $"{exception.GetType().FullName} at {exception.TargetSite?.DeclaringType?.FullName}.{exception.TargetSite?.Name}";
        var key = $"{site}: {failure}";
        var now = clock.GetUtcNow();
        if (!seen.ContainsKey(key) && seen.Count >= options.Value.MaxDistinctFailures) key = OtherFailures;
        if (seen.TryAdd(key, new Occurrences(now)))
        {
            logger.LogError(exception, "{Site} failed ({Failure}); trace id {TraceId}", site, failure, traceId ?? "");
            return;
        }
        var occurrences = seen[key];
        long count;
        DateTimeOffset since;
        lock (occurrences)
        {
            occurrences.Unlogged++;
            if (now - occurrences.LastLine < options.Value.RepeatInterval) return;
            (count, since) = (occurrences.Unlogged, occurrences.LastLine);
            occurrences.Unlogged = 0;
            occurrences.LastLine = now;
        }
        logger.LogWarning("{Site} failed again ({Failure}): {Count} times since {Since:O}; last trace id {TraceId}", site, failure, count, since, traceId ?? "");
    }
}
