using System.Diagnostics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Grpc.Core;

namespace EvidenceHub.Hub.Audit;

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
