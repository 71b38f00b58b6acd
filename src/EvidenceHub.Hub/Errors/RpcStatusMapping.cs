using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EvidenceHub.Hub.Errors;

/// Turns whatever a call throws into a precise gRPC status: a Rejection as it is, cancellation as CANCELLED or
/// DEADLINE_EXCEEDED, and anything unexpected as INTERNAL with the trace id to look it up by, never UNKNOWN.
public static class RpcStatusMapping
{
    public static Google.Rpc.Status ToStatus(Exception exception, ServerCallContext context) => exception switch
    {
        Rejection rejection => rejection.Status,
        RpcException rpc => new Google.Rpc.Status { Code = (int)rpc.StatusCode, Message = rpc.Status.Detail },
        OperationCanceledException when context.Deadline <= DateTime.UtcNow =>
            new Google.Rpc.Status { Code = (int)Code.DeadlineExceeded, Message = "The call's deadline passed." },
        OperationCanceledException => new Google.Rpc.Status { Code = (int)Code.Cancelled, Message = "The call was cancelled." },
        _ => Internal(),
    };

    private static Google.Rpc.Status Internal()
    {
        var traceId = Activity.Current?.TraceId.ToString() ?? "";
        return new Google.Rpc.Status
        {
            Code = (int)Code.Internal,
            Message = $"The hub failed to complete the call; trace id {traceId}.",
            Details = { Any.Pack(new ErrorInfo { Reason = "INTERNAL", Domain = Rejection.Domain, Metadata = { ["trace_id"] = traceId } }) },
        };
    }
}

/// Applies RpcStatusMapping to every unary and streaming call.
public sealed class RpcStatusInterceptor(ILogger<RpcStatusInterceptor> logger) : Interceptor
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

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        var status = RpcStatusMapping.ToStatus(exception, context);
        if (status.Code == (int)Code.Internal)
            logger.LogError(exception, "{Method} failed", context.Method);
        return status.ToRpcException();
    }
}
