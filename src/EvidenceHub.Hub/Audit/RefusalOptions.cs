namespace EvidenceHub.Hub.Audit;

/// How refusals before any RPC ran are recorded: per source (remote address, IPv6 by /64, and the hash of the
/// certificate subject) and window, the first refusal at once and the rest as one record with their count at the
/// window's end. Configured under Audit:Refusals.
public sealed class RefusalOptions
{
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
    /// Sources tracked at once; refusals from further sources share one "other sources" window, so memory and the
    /// log's growth stay bounded however many addresses a flood comes from.
    public int MaxSources { get; set; } = 1000;
    /// Distinct method names counted per window; further ones count as "other methods".
    public int MaxMethodsPerWindow { get; set; } = 16;
}
