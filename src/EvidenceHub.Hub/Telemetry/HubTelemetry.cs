using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Marten;
using JasperFx.OpenTelemetry;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EvidenceHub.Hub.Telemetry;

/// The hub's own traces and metrics, next to ASP.NET Core's, Npgsql's and Marten's.
public static class HubTelemetry
{
    public const string Name = "EvidenceHub";
    public const string CorrelationHeader = "x-correlation-id";

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> EventsAppended = Meter.CreateCounter<long>("evidencehub.events.appended", description: "Events appended");
    public static readonly Counter<long> CommandsHandled = Meter.CreateCounter<long>("evidencehub.commands", description: "Case commands handled, by outcome");
    public static readonly Counter<long> IdentifiersLookedUp = Meter.CreateCounter<long>("evidencehub.lookups", description: "Identifiers looked up, by hit or no-hit");

    /// Counts what became of each command of a call: done (new or replayed) or rejected.
    public static void CountOutcomes(IEnumerable<bool> succeeded)
    {
        foreach (var ok in succeeded)
            CommandsHandled.Add(1, new KeyValuePair<string, object?>("outcome", ok ? "done" : "rejected"));
    }

    /// The client's correlation id when it sends a sensible one, else the trace id, so every event can be tied to its call.
    public static string CorrelationIdOf(ServerCallContext context)
    {
        var sent = context.RequestHeaders.GetValue(CorrelationHeader);
        if (sent is { Length: > 0 and <= 64 } && sent.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            return sent;
        return Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
    }

    public static WebApplicationBuilder AddHubTelemetry(this WebApplicationBuilder builder)
    {
        var otlpEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("evidencehub"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(Name).AddSource("Marten").AddAspNetCoreInstrumentation().AddNpgsql();
                if (!string.IsNullOrEmpty(otlpEndpoint)) tracing.AddOtlpExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Name).AddMeter("Marten").AddMeter("Npgsql").AddAspNetCoreInstrumentation();
                if (!string.IsNullOrEmpty(otlpEndpoint)) metrics.AddOtlpExporter();
            });
        return builder;
    }

    public static void TrackMarten(StoreOptions options)
    {
        options.OpenTelemetry.TrackConnections = TrackLevel.Normal;
        options.OpenTelemetry.TrackEventCounters();
    }
}
