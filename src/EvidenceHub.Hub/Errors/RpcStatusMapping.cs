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
