using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Feed;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Lookup;
using EvidenceHub.Hub.Store;
using EvidenceHub.Hub.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddUnitIdentity().AddEventStore().AddCorrelation().AddLookup().AddFeed().AddHubTelemetry();
builder.Services.AddGrpc(grpc =>
{
    grpc.Interceptors.Add<RpcStatusInterceptor>();
    grpc.Interceptors.Add<AccessRecordingInterceptor>();
    grpc.EnableDetailedErrors = false;
});
builder.Services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("postgresql");
builder.Services.AddGrpcReflection();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CaseCommandExecutor>();
builder.Services.AddOptions<EvidenceHub.Hub.Handoffs.HandoffOptions>().Bind(builder.Configuration.GetSection("Handoffs"))
    .Validate(o => o.PendingFor > TimeSpan.Zero, "Handoffs:PendingFor must be a positive time span (e.g. 2.00:00:00 for 48 hours)").ValidateOnStart();
builder.AddAudit();

var app = builder.Build();
app.UseRefusedCallRecording();
app.UseAuthentication();
app.UseAuthorization();
app.MapGrpcService<CaseService>();
app.MapGrpcService<LookupService>();
app.MapGrpcService<FeedService>();
app.MapGrpcService<AuditService>();
app.MapGrpcHealthChecksService().AllowAnonymous();
app.MapGrpcReflectionService().AllowAnonymous();
app.Run();

/// The entry point, visible to WebApplicationFactory in the tests.
public partial class Program;
