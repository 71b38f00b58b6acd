namespace EvidenceHub.Hub.Audit;

/// The stored log lacks something a proof needs: VerifyLog says exactly what.
public sealed class LogDamagedException(long position, string problem) : Exception(problem)
{
    public long Position { get; } = position;
}
