using System.Diagnostics;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EvidenceHub.Hub.Audit;

/// Whether the call in progress already wrote its own access record, so that the recorders below add none.
public static class CallAccessRecording
{
    private sealed class Flag { public bool Recorded; }

    private static readonly AsyncLocal<Flag?> Current = new();

    public static void Begin() => Current.Value = new Flag();

    public static bool Recorded => Current.Value?.Recorded ?? false;

    // Sets a field of the object the caller's context holds, which a child flow can do (it cannot replace the value).
    internal static void MarkRecorded()
    {
        if (Current.Value is { } flag) flag.Recorded = true;
    }
}

/// Records what the RPCs themselves do not: every call refused (PERMISSION_DENIED, UNAUTHENTICATED) or failed
/// (INTERNAL), and for reads (requests that carry a justification) every other refusal too, such as a missing
/// justification. Runs inside RpcStatusInterceptor, so it sees the hub's own Rejections. The record is written before
/// the status goes back to the caller.
public sealed class AccessRecordingInterceptor(AccessLog accessLog, ILogger<AccessRecordingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        CallAccessRecording.Begin();
        try { return await continuation(request, context); }
        catch (Exception exception) { await RecordFailure(exception, request as IMessage, context); throw; }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CallAccessRecording.Begin();
        try { await continuation(request, responseStream, context); }
        catch (Exception exception) { await RecordFailure(exception, request as IMessage, context); throw; }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CallAccessRecording.Begin();
        try { return await continuation(requestStream, context); }
        catch (Exception exception) { await RecordFailure(exception, null, context); throw; }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CallAccessRecording.Begin();
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception exception) { await RecordFailure(exception, null, context); throw; }
    }

    private async Task RecordFailure(Exception exception, IMessage? request, ServerCallContext context)
    {
        if (CallAccessRecording.Recorded) return;
        var code = exception switch
        {
            Rejection rejection => (StatusCode)rejection.Status.Code,
            RpcException rpc => rpc.StatusCode,
            OperationCanceledException => StatusCode.Cancelled,
            _ => StatusCode.Internal,
        };
        var justification = JustificationOf(request);
        var isRead = request?.Descriptor.FindFieldByName("justification") is not null;
        var outcome = code switch
        {
            StatusCode.Cancelled or StatusCode.DeadlineExceeded => (AccessOutcome?)null,
            StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable or StatusCode.DataLoss => AccessOutcome.Failed,
            StatusCode.PermissionDenied or StatusCode.Unauthenticated => AccessOutcome.Refused,
            _ when isRead => AccessOutcome.Refused,
            _ => null,
        };
        if (outcome is null) return;

        Caller caller;
        try { caller = Caller.From(context.GetHttpContext()); }
        catch (InvalidOperationException) { return; } // anonymous endpoints (health, reflection) read no case data
        var caseId = request?.Descriptor.FindFieldByName("case_id")?.Accessor.GetValue(request) as string;
        Guid? parsedCaseId = Guid.TryParse(caseId, out var id) ? id : null;
        var asked = context.Method + (string.IsNullOrEmpty(caseId) ? "" : $" case {caseId}");
        try
        {
            await accessLog.Record(new AccessEntry(caller, context.Method, outcome.Value, justification, asked,
                $"nothing ({code})", parsedCaseId, HubTelemetry.CorrelationIdOf(context)), CancellationToken.None);
        }
        catch (Exception failure)
        {
            logger.LogError(failure, "Could not record the {Outcome} call {Method}", outcome, context.Method);
        }
    }

    /// A plain justification string, or a Justification message's purpose.
    private static string? JustificationOf(IMessage? request)
    {
        var value = request?.Descriptor.FindFieldByName("justification")?.Accessor.GetValue(request);
        var text = value switch
        {
            string s => s,
            IMessage message => message.Descriptor.FindFieldByName("purpose")?.Accessor.GetValue(message) as string,
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim()[..Math.Min(text.Trim().Length, 1000)];
    }
}

/// Records calls that authentication or authorization refused before any RPC ran (HTTP 401 / 403 on a gRPC call):
/// no certificate, an untrusted or unregistered one, or a role that may not call the method. Placed before
/// authentication in the pipeline; the record is written before the refusal is sent.
public static class RefusedCallRecording
{
    public static IApplicationBuilder UseRefusedCallRecording(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next();
        if (context.Response.StatusCode is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)) return;
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true) return;

        var accessLog = context.RequestServices.GetRequiredService<AccessLog>();
        var certificate = context.Connection.ClientCertificate;
        Caller caller;
        try { caller = Caller.From(context); }
        catch (InvalidOperationException)
        {
            var user = context.Request.Headers[Caller.UserHeader].ToString().Trim();
            caller = new Caller("", "", [], user.Length is > 0 and <= 128 ? user : "unnamed", certificate?.Subject ?? "");
        }
        var sent = context.Request.Headers[HubTelemetry.CorrelationHeader].ToString();
        var correlationId = sent is { Length: > 0 and <= 64 } && sent.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? sent
            : Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        var why = context.Response.StatusCode == StatusCodes.Status401Unauthorized
            ? certificate is null ? "no client certificate" : "certificate not accepted"
            : "role not allowed";
        await accessLog.Record(new AccessEntry(caller, context.Request.Path, AccessOutcome.Refused, null,
            $"{context.Request.Path} ({why})", null, null, correlationId), CancellationToken.None);
    });
}
