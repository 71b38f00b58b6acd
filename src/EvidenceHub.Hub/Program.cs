using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Store;
using EvidenceHub.Hub.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddUnitIdentity().AddEventStore().AddHubTelemetry();
builder.Services.AddGrpc(grpc =>
{
    grpc.Interceptors.Add<RpcStatusInterceptor>();
    grpc.EnableDetailedErrors = false;
});
builder.Services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("postgresql");
builder.Services.AddGrpcReflection();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CaseCommandExecutor>();
builder.Services.AddSingleton<AccessLog>();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGrpcService<CaseService>();
app.MapGrpcHealthChecksService().AllowAnonymous();
app.MapGrpcReflectionService().AllowAnonymous();
app.Run();

/// The entry point, visible to WebApplicationFactory in the tests.
public partial class Program;
