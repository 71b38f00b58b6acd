namespace EvidenceHub.Hub.Correlation;

public sealed class CorrelationOptions
{
    /// An identifier held by this many cases is common (a shared decoy number, a platform's support address): it stops
    /// generating correlations, so that the index does not explode on it.
    public int CommonThreshold { get; set; } = 100;
}
