using EvidenceHub.Cli.Hub;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Cli.Import;

/// Sends planned commands on one Sync stream and collects one outcome per command. Writing and reading run side by
/// side, so the hub can take the commands in bursts while the answers stream back.
public static class SyncRunner
{
    public sealed record Outcome(CommandResult? Result, Google.Rpc.Status? Error);

    public static async Task<Outcome[]> Run(HubConnection hub, IReadOnlyList<PlannedCommand> commands, Action<int>? progress, CancellationToken cancellation)
    {
        var outcomes = new Outcome[commands.Count];
        if (commands.Count == 0) return outcomes;
        using var call = hub.Cases.Sync(cancellationToken: cancellation);
        var writing = Task.Run(async () =>
        {
            foreach (var planned in commands) await call.RequestStream.WriteAsync(planned.Command, cancellation);
            await call.RequestStream.CompleteAsync();
        }, cancellation);

        var received = 0;
        try
        {
            await foreach (var result in call.ResponseStream.ReadAllAsync(cancellation))
            {
                if (result.Sequence < 0 || result.Sequence >= commands.Count)
                    throw new RpcException(new Status(StatusCode.Internal, $"the hub answered a command at position {result.Sequence} that was never sent"));
                outcomes[result.Sequence] = result.OutcomeCase == SyncResult.OutcomeOneofCase.Error ? new Outcome(null, result.Error) : new Outcome(result.Result, null);
                received++;
                progress?.Invoke(received);
            }
        }
        finally
        {
            // A failed write surfaces here too (e.g. the stream broke); a failure already thrown while reading wins.
            try { await writing; } catch (Exception) when (received < commands.Count) { }
        }
        if (received < commands.Count)
            throw new RpcException(new Status(StatusCode.Unavailable, $"the Sync stream ended after {received} of {commands.Count} answers"));
        return outcomes;
    }
}
