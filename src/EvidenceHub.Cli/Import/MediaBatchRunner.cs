using System.Text.RegularExpressions;
using EvidenceHub.Cli.Hub;
using EvidenceHub.Contracts.V1;
using Google.Rpc;
using Grpc.Core;

namespace EvidenceHub.Cli.Import;

/// Sends a hash list's AddMedia commands to the hub's bulk path (ImportMedia) in batches, and answers per command as
/// Sync would, so that the report reads alike. A batch's id comes from its content (unit, case, its rows), so a re-run
/// sends the same batches and the hub answers those already imported as replays. A batch the hub refuses for bad rows
/// (rows[i].field) is sent again without them, and those rows are rejected with the hub's reason.
public static partial class MediaBatchRunner
{
    public const int DefaultBatchSize = 10_000;

    public static async Task<SyncRunner.Outcome[]> Run(HubConnection hub, IReadOnlyList<PlannedCommand> commands, int batchSize, Action<int>? progress,
        CancellationToken cancellation)
    {
        var outcomes = new SyncRunner.Outcome[commands.Count];
        // The case is opened first (and its answer kept): the batches name it by reference.
        var opening = Enumerable.Range(0, commands.Count).Where(i => commands[i].Command.AddMedia is null).ToList();
        var openResults = await SyncRunner.Run(hub, [.. opening.Select(i => commands[i])], null, cancellation);
        for (var k = 0; k < opening.Count; k++) outcomes[opening[k]] = openResults[k];

        var pending = new Queue<List<int>>(Enumerable.Range(0, commands.Count).Where(i => commands[i].Command.AddMedia is not null).Chunk(batchSize).Select(c => c.ToList()));
        var done = 0;
        while (pending.Count > 0)
        {
            var batches = pending.ToList();
            pending.Clear();
            using var call = hub.Cases.ImportMedia(cancellationToken: cancellation);
            var writing = Task.Run(async () =>
            {
                foreach (var batch in batches) await call.RequestStream.WriteAsync(BatchOf(hub.Unit, commands, batch), cancellation);
                await call.RequestStream.CompleteAsync();
            }, cancellation);
            var answered = 0;
            try
            {
                await foreach (var result in call.ResponseStream.ReadAllAsync(cancellation))
                {
                    var batch = batches[answered++];
                    for (var k = 0; k < batch.Count; k++)
                        outcomes[batch[k]] = new(new CommandResult { Replayed = result.Replayed, Correlations = k == 0 ? result.Correlations : 0 }, null);
                    done += batch.Count;
                    progress?.Invoke(done);
                }
            }
            // Interrupted by the user (Ctrl+C): the call's abort is the interruption, not a hub out of reach.
            catch (RpcException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellation);
            }
            catch (RpcException failure) when (failure.GetRpcStatus() is { Code: (int)StatusCode.InvalidArgument } status && answered < batches.Count)
            {
                var batch = batches[answered];
                var bad = BadRows(status);
                if (bad.Count == 0) throw;
                foreach (var (row, violation) in bad.Where(b => b.Key < batch.Count))
                {
                    outcomes[batch[row]] = new(null, new Google.Rpc.Status
                    {
                        Code = status.Code, Message = $"{violation.Field}: {violation.Description}",
                        Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new BadRequest { FieldViolations = { violation } }) },
                    });
                    done++;
                }
                var rest = batch.Where((_, row) => !bad.ContainsKey(row)).ToList();
                if (rest.Count > 0) pending.Enqueue(rest);
                foreach (var later in batches.Skip(answered + 1)) pending.Enqueue(later);
            }
            finally
            {
                try { await writing; } catch (Exception) when (answered < batches.Count) { }
            }
        }
        return outcomes;
    }

    /// The batch of the given commands: its id from the unit, the case and the rows, so that the same rows are the
    /// same batch on every run.
    public static MediaBatch BatchOf(string unit, IReadOnlyList<PlannedCommand> commands, IReadOnlyList<int> indexes)
    {
        var first = commands[indexes[0]].Command.AddMedia;
        var batch = new MediaBatch { CaseId = first.CaseId, CaseReference = first.CaseReference, FirstRow = commands[indexes[0]].Row?.Line ?? 0 };
        foreach (var i in indexes)
        {
            var media = commands[i].Command.AddMedia;
            batch.Rows.Add(new MediaRow
            {
                Sha256 = media.Sha256, Sha1 = media.Sha1, Md5 = media.Md5, Pdq = media.Pdq, PdqQuality = media.PdqQuality, Category = media.Category,
                VictimIdentified = media.VictimIdentified, OffenderIdentified = media.OffenderIdentified, Distributed = media.Distributed,
                ProviderFilter = media.ProviderFilter,
            });
        }
        batch.BatchId = Ids.CommandId("media-batch", unit, first.CaseId, first.CaseReference, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            Google.Protobuf.MessageExtensions.ToByteArray(new MediaBatch { Rows = { batch.Rows } }))));
        return batch;
    }

    /// The rows a refusal names (rows[i].field), each with its violation renamed to the row's own field.
    private static Dictionary<int, BadRequest.Types.FieldViolation> BadRows(Google.Rpc.Status status)
    {
        var bad = new Dictionary<int, BadRequest.Types.FieldViolation>();
        foreach (var violation in status.GetDetail<BadRequest>()?.FieldViolations ?? [])
            if (RowField().Match(violation.Field) is { Success: true } match && !bad.ContainsKey(int.Parse(match.Groups[1].Value)))
                bad[int.Parse(match.Groups[1].Value)] = new() { Field = match.Groups[2].Value, Description = violation.Description };
        return bad;
    }

    [GeneratedRegex(@"^rows\[(\d+)\]\.(.+)$")]
    private static partial Regex RowField();
}
