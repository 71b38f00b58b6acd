using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using Google.Protobuf;

namespace EvidenceHub.Hub.Commands;

/// A validated command on one case: what to decide on the current state, and how to describe the outcome to the caller.
/// Decide gets null when the case does not exist yet (only OpenCase accepts that). Its events go to the case's stream,
/// except identifier events (IIdentifierEvent), which go to their identifier's stream.
public sealed record CaseCommand(
    string CommandId,
    Guid CaseId,
    long? ExpectedVersion,
    IMessage Request,
    Func<CaseFile?, IdentifierIndex, IReadOnlyList<object>> Decide,
    Func<CaseFile?, IdentifierIndex, IReadOnlyList<object>, CommandResult> Describe)
{
    /// Checked here, where every request becomes a command: a negative version is bad input, not a stale one.
    public long? ExpectedVersion { get; init; } = Errors.Fields.ExpectedVersion(ExpectedVersion);

    /// Extra documents written in the same transaction (e.g. the claim on a case reference).
    public IReadOnlyList<object> Documents { get; init; } = [];

    /// The identifiers whose index entries the command decides on, given the case; they are locked and read first.
    public Func<CaseFile?, IReadOnlyList<string>> IndexKeys { get; init; } = _ => [];

    /// OpenCase: the only command that needs its case not to exist yet.
    public bool OpensCase { get; init; }

    /// The caller's reference for the case, when the request named the case by it (its errors then name it too).
    public string? CaseReference { get; init; }

    public CaseTarget Target => new(CaseId, CaseReference);
}
