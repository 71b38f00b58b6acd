using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// What a decider decided: the events to append and the answer to the caller (before the engine adds the case's id,
/// version and replay flag).
public sealed record Decision(IReadOnlyList<object> Events, IMessage Result)
{
    /// An access record the command leaves when it succeeds (most leave none: their events are their record), written
    /// once the events are stored and before the answer leaves.
    public AccessNote? Record { get; init; }

    /// The subject the request is about (a victim link): erasing it drops this command's receipt's fingerprint, since a
    /// hash of the request would let a guess of the erased value be confirmed.
    public Guid? Subject { get; init; }
}
