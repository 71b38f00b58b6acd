using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// What a decider decided: the events to append and the answer to the caller (before the engine adds the case's id,
/// version and replay flag).
public sealed record Decision(IReadOnlyList<object> Events, IMessage Result)
{
    /// What the access record of the command's success says, written once the events are stored and before the answer
    /// leaves; without one, the record names the events appended (CommandCatalog.Success).
    public AccessNote? Record { get; init; }

    /// The subject the request is about (a victim link): erasing it drops this command's receipt's fingerprint, since a
    /// hash of the request would let a guess of the erased value be confirmed.
    public Guid? Subject { get; init; }
}
