namespace EvidenceHub.Hub.Identifiers;

/// A precise reason a raw identifier was refused; Field is the request field at fault: "value", "platform" or "observed_at".
/// Descriptions never repeat the raw value: they end up in error replies and logs, and the value is suspect data.
public sealed record IdentifierViolation(string Field, string Description)
{
    public const string ValueField = "value";
    public const string PlatformField = "platform";
    public const string ObservedAtField = "observed_at";
    /// Only for a kind outside the enum (a client sending a number this hub does not know).
    public const string KindField = "kind";
}
