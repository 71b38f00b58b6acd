using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Audit;

/// The tamper-evident log's sizes and proofs as a client asks for them: a size of 0 means the latest signed checkpoint,
/// and a damaged log is the caller's precondition failing (run VerifyLog), not a fault of the call.
public sealed class LogProofs(LogReader log)
{
    public async Task<long> TreeSize(long requested, string field, CancellationToken cancellation)
    {
        if (requested < 0) throw Rejection.InvalidArgument(field, "must not be negative");
        if (requested == 0)
            return (await log.Checkpoint(null, cancellation))?.Checkpoint.TreeSize
                   ?? throw Rejection.FailedPrecondition("LOG_EMPTY", "The log has no signed checkpoint yet.");
        var size = await log.Size(cancellation);
        if (requested > size) throw Rejection.OutOfRange(field, $"the log holds {size} entries");
        return requested;
    }

    public Task<(byte[] Root, List<byte[]> Path)> Inclusion(long position, long treeSize, CancellationToken cancellation) =>
        Checked(() => log.InclusionProof(position, treeSize, cancellation));

    public Task<(byte[] FirstRoot, byte[] SecondRoot, List<byte[]> Path)> Consistency(long first, long second, CancellationToken cancellation) =>
        Checked(() => log.ConsistencyProof(first, second, cancellation));

    private static async Task<T> Checked<T>(Func<Task<T>> compute)
    {
        try { return await compute(); }
        catch (LogDamagedException damaged)
        {
            throw Rejection.FailedPrecondition("LOG_DAMAGED", $"The stored log is damaged near position {damaged.Position}: {damaged.Message}. Run VerifyLog.",
                ("position", damaged.Position.ToString()));
        }
    }
}
