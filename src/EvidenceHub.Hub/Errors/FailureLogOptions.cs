namespace EvidenceHub.Hub.Errors;

/// Configured under FailureLog.
public sealed class FailureLogOptions
{
    /// How often a failure already logged in full is logged again, as one line with its count.
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// Distinct failures remembered; beyond them, all count as "other failures".
    public int MaxDistinctFailures { get; set; } = 1000;
}
