using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;

namespace EvidenceHub.Hub.Victims;

public sealed record VictimToLink(string VictimReference, AgeBand AgeBand, string Country, DateOnly? FirstContactDate, string? ContactedBy);

public static class VictimDecisions
{
    /// A victim reference already linked to the case is the same victim: linking it again appends nothing.
    public static IReadOnlyList<object> Link(CaseFile current, Caller caller, VictimToLink victim, Guid newLinkId, IdentifierIndex index, CaseLimits limits)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        if (victim.ContactedBy is { } key && index.HoldingOf(current.Id, key) is null)
            throw Rejection.InvalidArgument("contacted_by", $"case {current.Id} holds no identifier with key '{LogText.Quote(key)}'");
        if (current.Victims.Any(v => v.VictimReference == victim.VictimReference)) return [];
        if (current.Victims.Count >= limits.MaxVictimLinks) throw CaseLimitReached.VictimLinks(current.Id, limits.MaxVictimLinks);
        return [new VictimLinked(current.Id, newLinkId, victim.VictimReference, victim.AgeBand, victim.Country,
            victim.FirstContactDate, victim.ContactedBy)];
    }
}
