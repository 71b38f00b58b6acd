using System.Collections.Concurrent;
using System.Security.Claims;
using EvidenceHub.Hub.Errors;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Status = Google.Rpc.Status;

namespace EvidenceHub.Hub.Limits;

/// Caps the Sync, BatchLookup and Subscribe streams a unit may hold open at once (RESOURCE_EXHAUSTED beyond them), and
/// ends a Sync or BatchLookup stream on which the client sends nothing for Limits:Streams:IdleTimeoutSeconds
/// (DEADLINE_EXCEEDED), so that idle streams do not hold the hub's memory and connections forever.
public sealed class StreamLimitsInterceptor(StreamCounters counters, IOptions<HubLimits> limits) : Interceptor
{
    public const string TooManyStreams = "TOO_MANY_STREAMS";
    public const string StreamIdle = "STREAM_IDLE";

    private static readonly string Sync = $"/{Contracts.V1.CaseService.Descriptor.FullName}/Sync";
    private static readonly string BatchLookup = $"/{Contracts.V1.LookupService.Descriptor.FullName}/BatchLookup";
    private static readonly string Subscribe = $"/{Contracts.V1.FeedService.Descriptor.FullName}/Subscribe";

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var open = Open(context);
        var reader = new IdleTimeoutReader<TRequest>(requestStream, TimeSpan.FromSeconds(limits.Value.Streams.IdleTimeoutSeconds), context.CancellationToken);
        await continuation(reader, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var open = Open(context);
        var reader = new IdleTimeoutReader<TRequest>(requestStream, TimeSpan.FromSeconds(limits.Value.Streams.IdleTimeoutSeconds), context.CancellationToken);
        return await continuation(reader, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var open = Open(context);
        await continuation(request, responseStream, context);
    }

    /// Counts the stream against its unit's cap for the method, if the method has one; disposing closes it.
    private OpenStream? Open(ServerCallContext context)
    {
        var streams = limits.Value.Streams;
        int? max = context.Method == Sync ? streams.MaxSyncPerUnit
            : context.Method == BatchLookup ? streams.MaxBatchLookupPerUnit
            : context.Method == Subscribe ? streams.MaxSubscribePerUnit
            : null;
        var unit = context.GetHttpContext().User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (max is null || unit is null) return null;
        if (!counters.TryOpen(context.Method, unit, max.Value))
        {
            var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
            var description = $"Unit {unit} already has {max} {method} streams open on this hub, the most it may; close one or retry later.";
            throw new Status
            {
                Code = (int)Code.ResourceExhausted,
                Message = description,
                Details =
                {
                    Any.Pack(new ErrorInfo { Reason = TooManyStreams, Domain = Rejection.Domain, Metadata = { ["method"] = method, ["limit"] = max.ToString() } }),
                    Any.Pack(new QuotaFailure { Violations = { new QuotaFailure.Types.Violation { Subject = $"unit:{unit}", Description = description } } }),
                },
            }.ToRpcException();
        }
        return new OpenStream(() => counters.Close(context.Method, unit));
    }

    private sealed class OpenStream(Action close) : IDisposable
    {
        public void Dispose() => close();
    }

    /// The client's request stream, ended with DEADLINE_EXCEEDED when a read waits longer than the idle timeout. The
    /// timed-out read is cancelled and awaited here, so no read is left in progress when the handler returns. Its token
    /// source is not disposed: a read of the handler's may outlive the handler, and the call's end releases it.
    private sealed class IdleTimeoutReader<T>(IAsyncStreamReader<T> inner, TimeSpan idle, CancellationToken call) : IAsyncStreamReader<T>
    {
        private readonly CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(call);

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            using var both = cancellationToken.CanBeCanceled && cancellationToken != call
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token)
                : null;
            timeout.CancelAfter(idle);
            try
            {
                return await inner.MoveNext(both?.Token ?? timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !call.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new Status
                {
                    Code = (int)Code.DeadlineExceeded,
                    Message = $"The client sent nothing for {idle.TotalSeconds:0} s; the stream was ended. Open a new one to go on.",
                    Details = { Any.Pack(new ErrorInfo { Reason = StreamIdle, Domain = Rejection.Domain, Metadata = { ["idle_timeout_seconds"] = idle.TotalSeconds.ToString("0") } }) },
                }.ToRpcException();
            }
            finally
            {
                if (!timeout.IsCancellationRequested) timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }
}
