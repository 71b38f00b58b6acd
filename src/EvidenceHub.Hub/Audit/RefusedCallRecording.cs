using EvidenceHub.Hub.Errors;
using Grpc.Core;

namespace EvidenceHub.Hub.Audit;

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
