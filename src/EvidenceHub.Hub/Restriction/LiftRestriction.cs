using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Restriction;

/// The owner lifts a restriction: the data matches again, and the correlations missed while it was restricted are found
/// now, once, as if its identifiers had just been added (a pair recorded before the restriction is not found twice).
/// The units told of the restriction learn that it ended. Lifting what is not restricted appends nothing.
public sealed record LiftRestriction(RestrictedData What, string Reason, CorrelationOptions Options) : SealsCaseText
{
    public static LiftRestriction From(LiftRestrictionRequest request, Caller caller, CaseTarget target, CorrelationOptions options, Erasure.IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var what = Restrictions.ScopeOf(request.ScopeCase != LiftRestrictionRequest.ScopeOneofCase.None, request.WholeCase,
            request.HasIdentifierKey ? request.IdentifierKey : null, request.HasVictimLinkId ? request.VictimLinkId : null, pseudonyms);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new LiftRestriction(what, reason, options)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override bool LocksEveryIdentifierOfItsCase => What.Scope == RestrictionScope.Case;

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => What.IdentifierKey is { } key ? [key] : [];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        Restrictions.EnsureMayRestrict(current, Caller, byHub: false);
        if (!Restrictions.IsRestricted(current, What, index)) return new([], new CommandResult());
        var holdings = Restrictions.Holdings(current, What, index);
        var lifted = new RestrictionLifted(current.Id, What, CaseText.Seal(current, keys, nameof(RestrictionLifted.Reason), Reason), CaseParty.Of(current with { Restricted = false }),
            Restrictions.Told(current, What, holdings, index, now), Restrictions.Victim(current, What)?.Country);
        var after = CaseFile.Evolve(current, lifted, now)!;
        // The identifiers that match again: the one lifted, or the case's that are not restricted on their own.
        var matching = What.Scope == RestrictionScope.Identifier ? holdings : holdings.Where(h => !h.Restricted).ToList();
        var rediscovered = Restrictions.Rediscovered(after, matching, index, Options);
        return new([lifted, .. rediscovered], new CommandResult
        {
            // What the unit's feed will say of them, and no more (as for an added identifier).
            Correlations = rediscovered.Count(found => CaseDisclosure.Of(found.Holding, new Recipient(found.Adding.Unit)) != DisclosureLevel.None),
        });
    }

}
