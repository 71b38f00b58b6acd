namespace EvidenceHub.Hub.Identity;

/// What a unit may do at the hub.
public static class Roles
{
    /// A national unit: owns cases and syncs them.
    public const string Unit = "unit";
    /// A foreign partner: asks hit / no-hit questions.
    public const string Partner = "partner";
    /// An auditor or supervisor: reads histories and the access log.
    public const string Auditor = "auditor";
    /// A witness of the audit log: reads its signed checkpoints and consistency proofs, and cosigns them.
    public const string Witness = "witness";

    /// A hosting party: asks only whether hashes of uploads are known material (HashCheckService), nothing else.
    public const string Provider = "provider";

    public static readonly string[] All = [Unit, Partner, Auditor, Witness, Provider];
}
