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
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        // The next batch is read and checked while this one is written: the checks are the hub's, the writing is
        // PostgreSQL's, and the two overlap on two cores.
        var next = Next(requestStream, caller, reading.Token);
        try
        {
            while (await next is { } current)
            {
                next = Next(requestStream, caller, reading.Token);
                try
                {
                    if (current.Refused is { } refused) throw refused;
                    var result = (MediaBatchResult)await engine.Execute(caller, current.Command!, correlationId, cancellation);
                    HubTelemetry.CountOutcomes([true]);
                    await responseStream.WriteAsync(result, cancellation);
                }
                catch (Rejection rejection)
                {
                    HubTelemetry.CountOutcomes([false]);
                    await accessLog.Record(CommandCatalog.Refusal(caller, current.Batch, current.Command, rejection.Status, correlationId, inSync: false), cancellation);
                    throw;
                }
            }
        }
        finally
        {
            // A call that ends early must not leave a read of the request stream behind it.
            reading.Cancel();
            try { await next; }
            catch (Exception) when (reading.IsCancellationRequested) { }
        }
    }

    private sealed record Checked(MediaBatch Batch, ImportMediaBatch? Command, Rejection? Refused);

    private Task<Checked?> Next(IAsyncStreamReader<MediaBatch> requestStream, Caller caller, CancellationToken cancellation) => Task.Run(async () =>
    {
        if (!await requestStream.MoveNext(cancellation)) return null;
        var batch = requestStream.Current;
        try
        {
            var references = await CaseAddress.References(query, caller.UnitId, [batch.CaseReference], cancellation);
            var target = CaseAddress.Of(batch.CaseId, batch.CaseReference).Resolve(references);
            return new Checked(batch, ImportMediaBatch.From(batch, caller, target, media, correlation.Value, limits.Value.Cases, options.Value), null);
        }
        catch (Rejection refused) { return new Checked(batch, null, refused); }
    }, cancellation);
}
