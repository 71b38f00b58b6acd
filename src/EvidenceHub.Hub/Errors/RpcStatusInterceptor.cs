using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EvidenceHub.Hub.Errors;

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
