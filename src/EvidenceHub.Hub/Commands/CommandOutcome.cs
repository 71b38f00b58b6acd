using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// What became of one command: its answer, or the rejection that explains why nothing was written.
public readonly record struct CommandOutcome(IMessage? Result, Exception? Failure);
