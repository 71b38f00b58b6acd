using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// A validated command on one case: what to decide on the current state, and how to describe the outcome to the caller.
/// Decide gets null when the case does not exist yet (only OpenCase accepts that).
public sealed record CaseCommand(
    string CommandId,
    Guid CaseId,
    long? ExpectedVersion,
    IMessage Request,
    Func<CaseFile?, IReadOnlyList<object>> Decide,
    Func<CaseFile?, IReadOnlyList<object>, CommandResult> Describe)
{
    /// Extra documents written in the same transaction (e.g. the claim on a case reference).
    public IReadOnlyList<object> Documents { get; init; } = [];
}
