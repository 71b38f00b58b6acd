using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvidenceHub.Hub.Errors;

/// Turns whatever a call throws into a precise gRPC status: a Rejection as it is, cancellation as CANCELLED or
/// DEADLINE_EXCEEDED, PostgreSQL out of reach as UNAVAILABLE (retry later), and anything unexpected as INTERNAL with
/// the trace id to look it up by, never UNKNOWN.
public static class RpcStatusMapping
{
    /// How long a client should wait before retrying while the store is out of reach.
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public static Google.Rpc.Status ToStatus(Exception exception, ServerCallContext context) => exception switch
    {
        Rejection rejection => rejection.Status,
        RpcException rpc => rpc.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)rpc.StatusCode, Message = rpc.Status.Detail },
        OperationCanceledException when context.Deadline <= DateTime.UtcNow =>
            new Google.Rpc.Status { Code = (int)Code.DeadlineExceeded, Message = "The call's deadline passed." },
        OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
            new Google.Rpc.Status { Code = (int)Code.Cancelled, Message = "The call was cancelled." },
        _ when IsConflict(exception) => new Google.Rpc.Status
        {
            Code = (int)Code.Aborted,
            Message = "The store refused the transaction because of a concurrent one; retry it.",
            Details = { Any.Pack(new ErrorInfo { Reason = "CONCURRENT_TRANSACTION", Domain = Rejection.Domain }) },
        },
        _ when IsStoreUnavailable(exception) => Unavailable(),
        OperationCanceledException => new Google.Rpc.Status { Code = (int)Code.Cancelled, Message = "The call was cancelled." },
        _ => Internal(exception, context),
    };

    /// Whether a failure is the call's end rather than one command's: the store is out of reach, or the call is over.
    /// Inside a stream every other failure belongs to the one command or item that caused it.
    public static bool EndsTheCall(Exception exception, CancellationToken call) =>
        call.IsCancellationRequested || IsStoreUnavailable(exception);

    /// PostgreSQL is shutting down, restarting, unreachable or out of connections: nothing the caller did, and a
    /// retry after a moment will do. Marten and the access log wrap these; the cause is looked for inside.
    public static bool IsStoreUnavailable(Exception? exception) => exception switch
    {
        null => false,
        PostgresException postgres => postgres.SqlState is "57P01" or "57P02" or "57P03" or "53300" or "53400"
                                      || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException { IsTransient: true } => true,
        SocketException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsStoreUnavailable),
        _ => IsStoreUnavailable(exception.InnerException),
    };

    /// A serialization failure or deadlock between transactions: the transaction may simply run again.
    private static bool IsConflict(Exception? exception) => exception switch
    {
        null => false,
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsConflict),
        _ => IsConflict(exception.InnerException),
    };

    private static Google.Rpc.Status Unavailable() => new()
    {
        Code = (int)Code.Unavailable,
        Message = "The hub's store is out of reach; retry after a moment.",
        Details =
        {
            Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(RetryDelay) }),
            Any.Pack(new ErrorInfo { Reason = "STORE_UNAVAILABLE", Domain = Rejection.Domain }),
        },
    };

    private static Google.Rpc.Status Internal(Exception exception, ServerCallContext context)
    {
        var traceId = Activity.Current?.TraceId.ToString() ?? "";
        FailureLog.Of(context).ReportCall(exception, context.Method, traceId);
        return new Google.Rpc.Status
        {
            Code = (int)Code.Internal,
            Message = $"The hub failed to complete the call; trace id {traceId}.",
            Details = { Any.Pack(new ErrorInfo { Reason = "INTERNAL", Domain = Rejection.Domain, Metadata = { ["trace_id"] = traceId } }) },
        };
    }
}

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

/// Configured under FailureLog.
public sealed class FailureLogOptions
{
    /// How often a failure already logged in full is logged again, as one line with its count.
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// Distinct failures remembered; beyond them, all count as "other failures".
    public int MaxDistinctFailures { get; set; } = 1000;
}

/// Applies RpcStatusMapping to every unary and streaming call.
public sealed class RpcStatusInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception exception) when (exception is not RpcException) { throw Translate(exception, context); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception exception) when (exception is not RpcException) { throw Translate(exception, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception exception) when (exception is not RpcException) { throw Translate(exception, context); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception exception) when (exception is not RpcException) { throw Translate(exception, context); }
    }

    private static RpcException Translate(Exception exception, ServerCallContext context) =>
        RpcStatusMapping.ToStatus(exception, context).ToRpcException();
}
