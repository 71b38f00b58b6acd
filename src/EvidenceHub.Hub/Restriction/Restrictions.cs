using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Restriction;

/// The rules RestrictData and LiftRestriction share: who may, what the scope names, who was told, and what lifting
/// finds again.
public static class Restrictions
{
    public const int MaxLegalBasisLength = 500;

    /// The scope a request names: exactly one of whole_case (true), identifier_key and victim_link_id.
    public static RestrictedData ScopeOf(bool chosen, bool wholeCase, string? identifierKey, string? victimLinkId, Erasure.IdentifierPseudonym? pseudonyms = null)
    {
        if (!chosen) throw Rejection.InvalidArgument("scope", "is required: whole_case, identifier_key or victim_link_id");
        if (identifierKey is not null)
            return new RestrictedData(RestrictionScope.Identifier, IdentifierKey: (pseudonyms ?? throw new InvalidOperationException("An identifier scope needs the pseudonyms.")).MatchKeyOf(
                RequestFields.RequiredText(identifierKey, "identifier_key", RequestFields.MaxIdentifierKeyLength)));
        if (victimLinkId is not null) return new RestrictedData(RestrictionScope.VictimLink, VictimLinkId: RequestFields.Id(victimLinkId, "victim_link_id"));
        return wholeCase ? RestrictedData.WholeCase : throw Rejection.InvalidArgument("whole_case", "must be true when it is the scope");
    }

    /// Only the owner restricts and lifts, or the hub itself (a case past its review date), and a closed case too: it is
    /// still evidence and still matches.
    public static void EnsureMayRestrict(CaseFile current, Caller caller, bool byHub)
    {
        if (!byHub && current.OwnerUnit != caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER", $"Only the owning unit may restrict data of case {current.Id}.", current.Id.ToString());
    }

    /// Whether the data is restricted now; refuses data the case does not hold, and an erased victim link (nothing is
    /// left to keep as evidence, nor to match again).
    public static bool IsRestricted(CaseFile current, RestrictedData what, LockedIdentifiers index) => what.Scope switch
    {
        RestrictionScope.Case => current.Restricted,
        RestrictionScope.Identifier => (index.HoldingOf(current.Id, what.IdentifierKey!) ?? throw Rejection.NotFound("identifier", what.IdentifierKey!, "identifier_key")).Restricted,
        _ => CaseRules.EnsureNotErased(Victim(current, what) ?? throw Rejection.NotFound("victim link", what.VictimLinkId.ToString()!, "victim_link_id")).Restricted,
    };

    public static CaseVictim? Victim(CaseFile current, RestrictedData what) => current.Victims.FirstOrDefault(v => v.VictimLinkId == what.VictimLinkId);

    /// The identifiers a scope covers (a victim link covers none).
    public static IReadOnlyList<IdentifierHolding> Holdings(CaseFile current, RestrictedData what, LockedIdentifiers index) => what.Scope switch
    {
        RestrictionScope.Case => index.HoldingsOfCase(current.Id),
        RestrictionScope.Identifier => [index.HoldingOf(current.Id, what.IdentifierKey!)!],
        _ => [],
    };

    /// Every unit told of the data: of each correlation on the identifiers through this case (reached at the other
    /// case's owner now, as retractions are), and for the whole case the target of a handoff request still pending.
    /// The owner itself is told nothing: it did this.
    public static IReadOnlyList<RestrictionRecipient> Told(CaseFile current, RestrictedData what, IReadOnlyList<IdentifierHolding> holdings,
        LockedIdentifiers index, DateTimeOffset now)
    {
        var told = holdings.SelectMany(h => index.CorrelationsOn(h.Key)
                .Where(p => p.AddingCase == current.Id || p.HoldingCase == current.Id)
                .Select(p => p.AddingCase == current.Id ? (Case: p.HoldingCase, Then: p.HoldingUnit) : (Case: p.AddingCase, Then: p.AddingUnit))
                .SelectMany(other => (index.PartyOf(other.Case)?.LeadUnits() ?? [other.Then]).Select(unit => new RestrictionRecipient(unit, other.Case, h.Key))))
            .ToList();
        if (what.Scope == RestrictionScope.Case && current.PendingHandoffAt(now) is { } handoff) told.Add(new RestrictionRecipient(handoff.TargetUnit, null, null));
        // Co-leads read all of the case: told of any restriction of it, as of the case itself.
        told.AddRange(current.CoLeads.Select(unit => new RestrictionRecipient(unit, null, null)));
        return told.Where(r => r.Unit != current.OwnerUnit).Distinct().ToList();
    }

    /// What lifting finds again for the given identifiers (those that match again), as if each had just been added: a correlation with every other holder the
    /// index may correlate with (not restricted, not common, not declined), unless the pair is recorded already.
    /// Nothing while the case itself stays restricted.
    public static IReadOnlyList<CorrelationFound> Rediscovered(CaseFile lifted, IReadOnlyList<IdentifierHolding> matching, LockedIdentifiers index,
        CorrelationOptions options)
    {
        if (lifted.Restricted) return [];
        var me = CaseParty.Of(lifted);
        var found = new List<CorrelationFound>();
        foreach (var holding in matching)
        {
            var key = holding.Key;
            if (index.IsCommon(key) || index.HolderCount(key, otherThan: lifted.Id) >= options.CommonThreshold) continue;
            var declined = index.NotToCorrelateBy(key);
            if (declined.Contains(lifted.OwnerUnit)) continue;
            var recorded = index.CorrelationsOn(key);
            found.AddRange(index.HoldersOf(key)
                .Where(other => other.CaseId != lifted.Id && !declined.Contains(other.Unit))
                .Where(other => !recorded.Any(p => (p.AddingCase, p.HoldingCase) == (lifted.Id, other.CaseId) || (p.AddingCase, p.HoldingCase) == (other.CaseId, lifted.Id)))
                .Select(other => new CorrelationFound(key, holding.Kind, me, other)));
        }
        return found;
    }
}
