using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Telemetry;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Media;

/// CaseService.ImportMedia: the batches of a hash list, each run as one command (ImportMediaBatch) and answered in
/// order. A refused batch ends the call with its status (its access record written first): nothing of it was
/// written, and the batches before it stand.
public sealed class MediaImport(CommandEngine engine, IQuerySession query, AccessLog accessLog, MediaHashes media,
    IOptions<CorrelationOptions> correlation, IOptions<HubLimits> limits, IOptions<MediaImportOptions> options)
{
    public async Task Run(IAsyncStreamReader<MediaBatch> requestStream, IServerStreamWriter<MediaBatchResult> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        var cancellation = context.CancellationToken;
        while (await requestStream.MoveNext(cancellation))
        {
            var batch = requestStream.Current;
            Command? command = null;
            try
            {
                var references = await CaseAddress.References(query, caller.UnitId, [batch.CaseReference], cancellation);
                var target = CaseAddress.Of(batch.CaseId, batch.CaseReference).Resolve(references);
                command = ImportMediaBatch.From(batch, caller, target, media, correlation.Value, limits.Value.Cases, options.Value);
                var result = (MediaBatchResult)await engine.Execute(caller, command, correlationId, cancellation);
                HubTelemetry.CountOutcomes([true]);
                await responseStream.WriteAsync(result, cancellation);
            }
            catch (Rejection rejection)
            {
                HubTelemetry.CountOutcomes([false]);
                await accessLog.Record(CommandCatalog.Refusal(caller, batch, command, rejection.Status, correlationId, inSync: false), cancellation);
                throw;
            }
        }
    }
}
