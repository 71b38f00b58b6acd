namespace EvidenceHub.Hub.Commands;

/// The stored answer to a command, written in the same transaction as the command's events, so that a retry with the
/// same command id (after a timeout, a dropped connection, a restart) gets the same answer and appends nothing.
public sealed class CommandReceipt
{
    /// "{unit}/{command id}": command ids are chosen by each unit, so they are unique per unit only.
    public string Id { get; set; } = "";
    /// SHA-256 of the request as sent, to tell a retry from a different command that reuses the id.
    public string Fingerprint { get; set; } = "";
    /// The serialized CommandResult.
    public byte[] Result { get; set; } = [];
    public Guid CaseId { get; set; }

    public static string IdFor(string unitId, string commandId) => $"{unitId}/{commandId}";
}
