using System.Security.Claims;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EvidenceHub.Hub.Audit;

/// Records what the RPCs themselves do not: every call refused (PERMISSION_DENIED, UNAUTHENTICATED) or failed
/// (INTERNAL), and for reads (requests that carry a justification) every other refusal too, such as a missing
/// justification. Runs inside RpcStatusInterceptor, so it sees the hub's own Rejections. The record is written before
/// the status goes back to the caller.
public sealed class AccessRecordingInterceptor(AccessLog accessLog, FailureLog failures, ILogger<AccessRecordingInterceptor> logger) : Interceptor
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
        // A request that could not be decoded reached no handler: it is recorded as refused, by its method alone.
        var undecodable = request is null ? null : Undecodable.Of(request);
        var justification = undecodable is null ? JustificationOf(request) : null;
        var isRead = request?.Descriptor.FindFieldByName("justification") is not null;
        var outcome = code switch
        {
            _ when undecodable is not null => AccessOutcome.Refused,
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
        catch (Rejection)
        {
            // The evidencehub-user header was refused: record the unit's call without the name it gave.
            var user = context.GetHttpContext().User;
            caller = new Caller(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", user.FindFirstValue(Caller.CountryClaim) ?? "",
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray(), "(refused user name)", user.FindFirstValue(Caller.CertificateSubjectClaim) ?? "");
        }
        var caseId = request?.Descriptor.FindFieldByName("case_id")?.Accessor.GetValue(request) as string;
        Guid? parsedCaseId = Guid.TryParse(caseId, out var id) ? id : null;
        var asked = undecodable is not null ? $"{context.Method}: {RefusalRecords.UndecodableRequest}"
            : context.Method + (string.IsNullOrEmpty(caseId) ? "" : $" case {caseId}");
        var disclosed = undecodable is not null ? RefusalRecords.Nothing(undecodable.Status) : $"nothing ({code})";
        try
        {
            await accessLog.Record(AccessEntry.For(caller, context.Method, HubTelemetry.CorrelationIdOf(context)).Justified(justification)
                .Asking(asked).AboutCase(parsedCaseId).Ended(outcome.Value, disclosed), CancellationToken.None);
        }
        catch (Exception failure)
        {
            failures.Report(logger, $"Recording a {outcome} call", failure);
        }
    }

    /// The request's justification as a successful call would have recorded it, unchecked (the call failed), cut to
    /// the lengths a check allows.
    private static string? JustificationOf(IMessage? request)
    {
        if (request?.Descriptor.FindFieldByName("justification")?.Accessor.GetValue(request) is not Contracts.V1.Justification { } justification
            || string.IsNullOrWhiteSpace(justification.Purpose)) return null;
        static string Cut(string text, int length) => text.Trim()[..Math.Min(text.Trim().Length, length)];
        return Justifications.Recorded(Cut(justification.Purpose, Justifications.MaxPurposeLength), Cut(justification.CaseReference, RequestFields.MaxReferenceLength));
    }
}
