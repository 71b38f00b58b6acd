using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// What a decider decided: the events to append and the answer to the caller (before the engine adds the case's id,
/// version and replay flag).
public sealed record Decision(IReadOnlyList<object> Events, IMessage Result);
