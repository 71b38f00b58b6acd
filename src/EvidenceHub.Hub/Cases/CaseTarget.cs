using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Cases;

/// A case a command addresses: its id, and the reference the caller named it by, if it did.
public readonly record struct CaseTarget(Guid Id, string? Reference)
{
    /// What a case that does not exist, is no case, or is hidden from the caller answers: the same in every case.
    public Rejection NotFound() => Reference is null
        ? Rejection.NotFound("case", Id.ToString(), "case_id")
        : Rejection.NotFound("case", Reference, "case_reference");
}
