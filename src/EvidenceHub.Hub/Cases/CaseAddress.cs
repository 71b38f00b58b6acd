using EvidenceHub.Hub.Errors;
using Marten;

namespace EvidenceHub.Hub.Cases;

/// The case a request names: by its id, or by the reference of one of the caller's own cases. A reference resolves
/// through the caller's unit's own claims only, so it tells nothing about other units' cases.
public readonly record struct CaseAddress(Guid? Id, string? Reference)
{
    public static CaseAddress Of(string caseId, string caseReference)
    {
        if (!string.IsNullOrEmpty(caseReference))
        {
            if (!string.IsNullOrEmpty(caseId))
                throw Rejection.InvalidArgument("case_reference", "set either case_id or case_reference, not both");
            return new CaseAddress(null, RequestFields.RequiredText(caseReference, "case_reference", RequestFields.MaxReferenceLength));
        }
        if (string.IsNullOrEmpty(caseId)) throw Rejection.InvalidArgument("case_id", "is required (or name one of your cases by case_reference)");
        return new CaseAddress(RequestFields.CaseId(caseId), null);
    }

    /// The case id, with the references the caller's unit holds (see References).
    public CaseTarget Resolve(IReadOnlyDictionary<string, Guid> references) =>
        Reference is null ? new CaseTarget(Id!.Value, null)
        : references.TryGetValue(Reference, out var id) ? new CaseTarget(id, Reference)
        : throw Rejection.NotFound("case", Reference, "case_reference");

    /// The caller's unit's cases among the given references, in one query. They come as sent, before each command's own
    /// checks: trimmed here, and one no reference could be (too long, control characters, which PostgreSQL would refuse
    /// in a key) is left for its command to refuse.
    public static async Task<Dictionary<string, Guid>> References(IQuerySession session, string unitId, IEnumerable<string> references, CancellationToken cancellation)
    {
        var asked = references.Select(r => r.Trim())
            .Where(r => r.Length is > 0 and <= RequestFields.MaxReferenceLength && !r.Any(char.IsControl))
            .Distinct().ToArray();
        if (asked.Length == 0) return [];
        var claims = await session.LoadManyAsync<CaseReferenceClaim>(cancellation, asked.Select(r => CaseReferenceClaim.IdFor(unitId, r)).ToArray());
        var prefix = unitId.Length + 1;
        return claims.ToDictionary(c => c.Id[prefix..], c => c.CaseId);
    }
}
