using System.Diagnostics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
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

/// How refused calls and items read in the access log, wherever they are recorded.
public static class RefusalRecords
{
    public const string UndecodableRequest = "undecodable request";

    /// "nothing (refused: InvalidArgument reference)": the code and the reason (ErrorInfo) or the fields at fault, all
    /// the hub's own names, never caller text.
    public static string Nothing(Google.Rpc.Status status)
    {
        var why = status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason
                  ?? string.Join(", ", status.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []);
        return $"nothing (refused: {(StatusCode)status.Code}{(why.Length > 0 ? " " + why : "")})";
    }

    /// Refused, or Failed when the status says the hub failed (not the caller).
    public static AccessOutcome OutcomeOf(Google.Rpc.Status status) => (StatusCode)status.Code switch
    {
        StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable or StatusCode.DataLoss => AccessOutcome.Failed,
        _ => AccessOutcome.Refused,
    };
}

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

/// Records calls that authentication or authorization refused before any RPC ran (HTTP 401 / 403 on a gRPC call):
/// no certificate, an untrusted or unregistered one, or a role that may not call the method. Placed before
/// authentication in the pipeline. Anyone can cause these refusals, so they are recorded compactly (RefusedCalls).
public static class RefusedCallRecording
{
    public static IApplicationBuilder UseRefusedCallRecording(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next();
        if (context.Response.StatusCode is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)) return;
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true) return;
        var refusals = context.RequestServices.GetRequiredService<RefusedCalls>();
        try { await refusals.Record(context); }
        catch (Exception failure)
        {
            context.RequestServices.GetRequiredService<FailureLog>().Report(context.RequestServices.GetRequiredService<ILogger<RefusedCalls>>(), "Recording a refused call", failure);
        }
    });
}

/// How refusals before any RPC ran are recorded: per source (remote address, IPv6 by /64, and the hash of the
/// certificate subject) and window, the first refusal at once and the rest as one record with their count at the
/// window's end. Configured under Audit:Refusals.
public sealed class RefusalOptions
{
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
    /// Sources tracked at once; refusals from further sources share one "other sources" window, so memory and the
    /// log's growth stay bounded however many addresses a flood comes from.
    public int MaxSources { get; set; } = 1000;
    /// Distinct method names counted per window; further ones count as "other methods".
    public int MaxMethodsPerWindow { get; set; } = 16;
}

/// Refused calls, recorded without attacker-chosen text: the method only when it is one the hub serves (else
/// "unknown method"), no headers, the certificate subject bounded. See RefusalOptions for the aggregation.
public sealed class RefusedCalls(AccessLog accessLog, EndpointDataSource endpoints, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<RefusalOptions> options, FailureLog failures, ILogger<RefusedCalls> logger) : BackgroundService
{
    public const string UnknownMethod = "unknown method";
    public const string AggregateOperation = "refused calls (aggregate)";
    private const string OtherSources = "other sources";

    private sealed record Source(string Address, string SubjectHash);

    private sealed class Window(DateTimeOffset started, string subject, string reason)
    {
        public DateTimeOffset Started { get; } = started;
        public string Subject { get; } = subject;
        public string Reason { get; } = reason;
        public long More;
        public readonly Dictionary<string, long> ByMethod = new(StringComparer.Ordinal);
    }

    private readonly RefusalOptions settings = options.Value;
    private readonly Dictionary<Source, Window> windows = new();
    private HashSet<string>? knownMethods;

    public async Task Record(HttpContext context)
    {
        var now = clock.GetUtcNow();
        var certificate = context.Connection.ClientCertificate;
        var subject = certificate?.Subject ?? "";
        var source = new Source(AddressOf(context), subject.Length == 0 ? "" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))[..16]);
        var method = KnownMethods().Contains(context.Request.Path.Value ?? "") ? context.Request.Path.Value! : UnknownMethod;
        var why = context.Response.StatusCode == StatusCodes.Status401Unauthorized
            ? certificate is null ? "no client certificate" : "certificate not accepted"
            : "role not allowed";

        var entries = new List<AccessEntry>(2);
        lock (windows)
        {
            if (!windows.ContainsKey(source) && windows.Count >= settings.MaxSources) source = new Source(OtherSources, "");
            if (windows.TryGetValue(source, out var window) && now < window.Started + settings.Window)
            {
                window.More++;
                var counted = window.ByMethod.ContainsKey(method) || window.ByMethod.Count < settings.MaxMethodsPerWindow ? method : "other methods";
                window.ByMethod[counted] = window.ByMethod.GetValueOrDefault(counted) + 1;
                return;
            }
            if (window is not null && Aggregate(source, window) is { } ended) entries.Add(ended);
            windows[source] = new Window(now, subject, why);
        }
        entries.Add(AccessEntry.For(CallerOf(context, subject), method, CorrelationIdOf(context)).Asking($"{method} ({why}) from {source.Address}").Refused());
        await accessLog.Record(entries, CancellationToken.None);
    }

    /// Writes the aggregate records of the windows that have ended (all windows when shutting down or asked to).
    public async Task Flush(bool all = false)
    {
        var now = clock.GetUtcNow();
        var entries = new List<AccessEntry>();
        lock (windows)
        {
            foreach (var (source, window) in windows.Where(w => all || now >= w.Value.Started + settings.Window).ToList())
            {
                windows.Remove(source);
                if (Aggregate(source, window) is { } entry) entries.Add(entry);
            }
        }
        if (entries.Count > 0) await accessLog.Record(entries, CancellationToken.None);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var tick = TimeSpan.FromTicks(Math.Clamp(settings.Window.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(tick, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try { await Flush(); }
                catch (Exception failure) { failures.Report(logger, "Recording the refused calls of an ended window", failure); }
            }
        }
        catch (OperationCanceledException) { }
        try { await Flush(all: true); }
        catch (Exception failure) { logger.LogWarning(failure, "Could not record the refused calls of the last windows at shut-down"); }
    }

    private AccessEntry? Aggregate(Source source, Window window)
    {
        if (window.More == 0) return null;
        var methods = string.Join(", ", window.ByMethod.OrderByDescending(m => m.Value).Select(m => $"{m.Key} x{m.Value}"));
        return AccessEntry.For(new Caller("", "", [], "", window.Subject), AggregateOperation, correlationId: "")
            .Asking($"{window.More} more refused calls ({window.Reason}) from {source.Address} between {window.Started:O} and {window.Started + settings.Window:O}: {methods}")
            .Refused();
    }

    /// The authenticated unit when authorization refused the call; no user name (a header) otherwise.
    private static Caller CallerOf(HttpContext context, string subject)
    {
        try { return Caller.From(context); }
        catch (Exception e) when (e is InvalidOperationException or Rejection)
        {
            var user = context.User;
            return new Caller(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", user.FindFirstValue(Caller.CountryClaim) ?? "", [], "", subject);
        }
    }

    private static string AddressOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return "unknown address";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8); // one /64 is one source: a flood cannot spread over its own prefix
        return new System.Net.IPAddress(bytes) + "/64";
    }

    private static string CorrelationIdOf(HttpContext context)
    {
        var sent = context.Request.Headers[HubTelemetry.CorrelationHeader].ToString();
        return sent is { Length: > 0 and <= 64 } && sent.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? sent
            : Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
    }

    /// "/evidencehub.v1.CaseService/OpenCase" and the like: the methods the hub maps (not the catch-alls for
    /// unimplemented ones).
    private HashSet<string> KnownMethods() => knownMethods ??= endpoints.Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>() is not null)
        .Select(e => e.RoutePattern.RawText ?? "")
        .Where(pattern => pattern.StartsWith('/') && !pattern.Contains('{'))
        .ToHashSet(StringComparer.Ordinal);
}
