using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Feed;
using EvidenceHub.Hub.HashCheck;
using EvidenceHub.Hub.Hosting;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Lookup;
using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Store;
using EvidenceHub.Hub.Takedown;
using EvidenceHub.Hub.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.RequireProductionReadiness();

builder.AddUnitIdentity().AddErasure().AddLimits().AddEventStore().AddCorrelation().AddMedia().AddHashCheck().AddTakedown().AddLookup().AddFeed().AddHubTelemetry();
builder.Services.AddGrpc(grpc =>
{
    grpc.Interceptors.Add<RpcStatusInterceptor>();
    grpc.Interceptors.Add<AccessRecordingInterceptor>();
    grpc.Interceptors.Add<StreamLimitsInterceptor>();
    grpc.EnableDetailedErrors = false;
});
// Robustness: undecodable requests answered INVALID_ARGUMENT, one health status per service, log lines that caller
// text cannot forge.
builder.Services.AddRequestDecoding();
builder.Services.AddOptions<FailureLogOptions>().Bind(builder.Configuration.GetSection("FailureLog"))
    .Validate(o => o.RepeatInterval > TimeSpan.Zero && o.MaxDistinctFailures > 0, "FailureLog:RepeatInterval and FailureLog:MaxDistinctFailures must be positive").ValidateOnStart();
builder.Services.AddSingleton<FailureLog>();
builder.Services.Configure<Grpc.AspNetCore.HealthChecks.GrpcHealthChecksOptions>(health =>
{
    // Every service needs PostgreSQL, and nothing else the hub checks.
    foreach (var service in new[] { EvidenceHub.Contracts.V1.CaseService.Descriptor, EvidenceHub.Contracts.V1.LookupService.Descriptor,
                                    EvidenceHub.Contracts.V1.FeedService.Descriptor, EvidenceHub.Contracts.V1.AuditService.Descriptor,
                                    EvidenceHub.Contracts.V1.HashCheckService.Descriptor, EvidenceHub.Contracts.V1.TakedownService.Descriptor })
        health.Services.Map(service.FullName, check => check.Name == "postgresql");
});
builder.Logging.AddConsole(console => console.FormatterName = EscapingConsoleFormatter.FormatterName)
    .AddConsoleFormatter<EscapingConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
builder.Services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("postgresql");
builder.Services.AddGrpcReflection();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CommandEngine>();
builder.Services.AddSingleton<CommandCatalog>();
builder.Services.AddScoped<SyncPipeline>();
builder.Services.AddOptions<EvidenceHub.Hub.Handoffs.HandoffOptions>().Bind(builder.Configuration.GetSection("Handoffs"))
    .Validate(o => o.PendingFor > TimeSpan.Zero, "Handoffs:PendingFor must be a positive time span (e.g. 2.00:00:00 for 48 hours)")
    .Validate(o => o.MaxEscalations >= 0, "Handoffs:MaxEscalations must not be negative").ValidateOnStart();
builder.AddAudit();
builder.AddTimedWork();

var app = builder.Build();
app.UseRefusedCallRecording();
app.UseAuthentication();
app.UseAuthorization();
app.MapGrpcService<CaseService>();
app.MapGrpcService<LookupService>();
app.MapGrpcService<FeedService>();
app.MapGrpcService<AuditService>();
app.MapGrpcService<HashCheckService>();
app.MapGrpcService<EvidenceHub.Hub.Takedown.TakedownService>();
app.MapGrpcHealthChecksService().AllowAnonymous();
app.MapGrpcReflectionService().AllowAnonymous();
app.Run();

/// The entry point, visible to WebApplicationFactory in the tests.
public partial class Program;
