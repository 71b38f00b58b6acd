namespace EvidenceHub.Hub.Lookup;

public sealed class OprfOptions
{
    /// Blinded elements one EvaluateBlinded call may carry: each costs a scalar multiplication on the hub.
    public int MaxBlindedElementsPerCall { get; set; } = 1000;
}
