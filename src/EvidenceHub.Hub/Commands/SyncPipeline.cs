using System.Threading.Channels;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Grpc.Core;
using Marten;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;

namespace EvidenceHub.Hub.Commands;

/// CaseService.Sync: one result per command, in order; a bad command fails alone and the stream goes on. Commands that
/// arrive together run as one burst (a handful of round trips and one transaction for up to MaxSyncBurst commands),
/// which is what makes bulk sync fast; a burst's results are sent while the next burst runs.
public sealed class SyncPipeline(CommandCatalog catalog, CommandEngine engine, IQuerySession query, AccessLog accessLog)
{
    public const int MaxSyncBurst = 500;
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    public async Task Run(IAsyncStreamReader<SyncCommand> requestStream, IServerStreamWriter<SyncResult> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        var cancellation = context.CancellationToken;
        var inbox = Channel.CreateBounded<SyncCommand>(new BoundedChannelOptions(MaxSyncBurst * 4) { SingleReader = true, SingleWriter = true });
        // Ends the pending read of the request stream when the handler ends early: a read still in progress after
        // the handler returned breaks a later call on the same HTTP/2 connection ("Reading is already in progress").
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellation);

        var receiving = Task.Run(async () =>
        {
            try
            {
                await foreach (var command in requestStream.ReadAllAsync(stopReading.Token))
                    await inbox.Writer.WriteAsync(command, stopReading.Token);
                inbox.Writer.Complete();
            }
            catch (Exception exception) { inbox.Writer.Complete(exception); }
        }, CancellationToken.None);

        long sequence = 0;
        var burst = new List<SyncCommand>(MaxSyncBurst);
        var sending = Task.CompletedTask;
        try
        {
            while (await inbox.Reader.WaitToReadAsync(cancellation))
            {
                burst.Clear();
                while (burst.Count < MaxSyncBurst && inbox.Reader.TryRead(out var command)) burst.Add(command);

                var requests = burst.Select(CommandCatalog.RequestOf).ToArray();
                var outcomes = new CommandOutcome[burst.Count];
                var commands = new Command?[burst.Count];
                var runnable = new List<(int Index, Command Command)>(burst.Count);
                // The references the burst names, in one query; a case the burst opens is named by its reference from
                // then on (unless the unit already holds that reference: then the open fails and the old case it is).
                var references = await CaseAddress.References(query, caller.UnitId, requests.Select(CommandCatalog.CaseReferenceOf), cancellation);
                for (var i = 0; i < burst.Count; i++)
                {
                    // Whatever a command's checks throw is that command's answer; only an outage ends the stream.
                    try
                    {
                        if (Undecodable.Of(burst[i]) is { } undecodable) throw undecodable;
                        if (requests[i] is not { } request) throw Rejection.InvalidArgument("command", "is empty: set one of the commands");
                        var command = commands[i] = catalog.Build(request, caller, references);
                        if (command is OpenCase open) references.TryAdd(open.Reference, open.CaseId!.Value);
                        runnable.Add((i, command));
                    }
                    catch (Exception failure) when (!RpcStatusMapping.EndsTheCall(failure, cancellation)) { outcomes[i] = new CommandOutcome(null, failure); }
                }
                var ran = await engine.ExecuteBurst(caller, runnable.Select(r => r.Command).ToList(), correlationId, cancellation);
                for (var r = 0; r < runnable.Count; r++) outcomes[runnable[r].Index] = ran[r];
                HubTelemetry.CountOutcomes(outcomes.Select(o => o.Result is not null));

                // Every refused or failed command is in the access log before its answer leaves.
                var statuses = outcomes.Select(o => o.Failure is { } failure ? RpcStatusMapping.ToStatus(failure, context) : null).ToArray();
                var refusals = new List<AccessEntry>();
                for (var i = 0; i < burst.Count; i++)
                    if (statuses[i] is { } status)
                        refusals.Add(Undecodable.Of(burst[i]) is null
                            ? CommandCatalog.Refusal(caller, requests[i], commands[i], status, correlationId, inSync: true)
                            : AccessEntry.For(caller, "Sync", correlationId).Asking($"command {sequence + i} in Sync: {RefusalRecords.UndecodableRequest}").NotAnswered(status));
                await accessLog.RecordItems(refusals, cancellation);

                var results = new List<SyncResult>(burst.Count);
                for (var i = 0; i < burst.Count; i++)
                {
                    var result = new SyncResult { Sequence = sequence++, CommandId = RequestFields.Bounded(CommandCatalog.CommandIdOf(requests[i]), RequestFields.MaxCommandIdLength) };
                    if (outcomes[i].Result is { } done) CommandCatalog.SetResult(result, done);
                    else result.Error = statuses[i];
                    results.Add(result);
                }
                // One burst's results in flight at most: a client that stops reading holds the hub back, not its memory.
                await sending;
                sending = Send(results);
            }
        }
        catch
        {
            // The stream's own failure is what the caller learns; the results being sent end first either way, and
            // so does the read of the request stream.
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await stopReading.CancelAsync();
            await receiving;
            throw;
        }
        await sending;
        await receiving;

        async Task Send(List<SyncResult> results)
        {
            for (var i = 0; i < results.Count; i++)
            {
                // A burst's results leave in one flush rather than one network write each.
                responseStream.WriteOptions = i < results.Count - 1 ? BufferedWrite : null;
                await responseStream.WriteAsync(results[i], cancellation);
            }
        }
    }
}
