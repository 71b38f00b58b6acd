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

    public static string IdFor(string unitId, string commandId) => $"{unitId}/{commandId}";

    public static string FingerprintOf(IMessage request) => Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray()));

    /// The original answer, for a retry of the same command; a different command under a used id is refused.
    public IMessage Replay(MessageParser parser, string fingerprint, string commandId)
    {
        if (Fingerprint != fingerprint)
            throw Rejection.AlreadyExists("command", commandId, "command_id", "this command id was already used for a different command");
        return parser.ParseFrom(Result);
    }
}
