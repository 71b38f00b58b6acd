using System.Security.Cryptography;
using EvidenceHub.Hub.Errors;
using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// The stored answer to a command, written in the same transaction as the command's events, so that a retry with the
/// same command id (after a timeout, a dropped connection, a restart) gets the same answer and appends nothing.
public sealed class CommandReceipt
{
    /// "{unit}/{command id}": command ids are chosen by each unit, so they are unique per unit only.
    public string Id { get; set; } = "";
    /// SHA-256 of the request as sent, to tell a retry from a different command that reuses the id.
    public string Fingerprint { get; set; } = "";
    /// The serialized answer.
    public byte[] Result { get; set; } = [];
    public Guid CaseId { get; set; }
    /// The subject the answer was about (Decision.Subject), if any.
    public Guid? Subject { get; set; }

    /// What an erased subject's receipts hold instead of the request's fingerprint.
    public const string ErasedFingerprint = "erased";

    /// Forgets the request's fingerprint, which would confirm a guess of the erased value (the answer keeps only ids:
    /// a command whose answer carries personal data must clear it too).
    public void Tombstone() => Fingerprint = ErasedFingerprint;

    /// Queues the tombstoning of the stored receipts of a case's commands that answered about the subject.
    public static void TombstonesAbout(Marten.IDocumentSession session, Guid caseId, Guid subject)
    {
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(CommandReceipt)).TableName.QualifiedName;
        session.QueueSqlCommand(
            $"UPDATE {table} SET data = jsonb_set(data, '{{Fingerprint}}', to_jsonb(?::text)) WHERE data->>'CaseId' = ? AND data->>'Subject' = ?",
            ErasedFingerprint, caseId.ToString(), subject.ToString());
    }

    /// Queues the deletion of the stored receipts of every command on the case (an erased case's answers are gone).
    public static void DeleteOfCase(Marten.IDocumentSession session, Guid caseId)
    {
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(CommandReceipt)).TableName.QualifiedName;
        session.QueueSqlCommand($"DELETE FROM {table} WHERE data->>'CaseId' = ?", caseId.ToString());
    }

    public static string IdFor(string unitId, string commandId) => $"{unitId}/{commandId}";

    public static string FingerprintOf(IMessage request) => Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray()));

    /// The original answer, for a retry of the same command; a different command under a used id is refused.
    public IMessage Replay(MessageParser parser, string fingerprint, string commandId)
    {
        // The request can no longer be compared; a retry (a unit re-sending what its own system holds) gets the
        // original answer and changes nothing, so the erased subject is not linked again under the same command id.
        if (Fingerprint == ErasedFingerprint) return parser.ParseFrom(Result);
        if (Fingerprint != fingerprint)
            throw Rejection.AlreadyExists("command", commandId, "command_id", "this command id was already used for a different command");
        return parser.ParseFrom(Result);
    }
}
