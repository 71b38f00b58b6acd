using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Restriction;

/// The owner restricts its case, one identifier of it or one victim link (LED Art. 16(3)): the data stays as evidence
/// but is no longer matched, correlated or disclosed; to every other unit and partner a restricted case is a case that
/// does not exist, a restricted identifier a value nobody holds, a restricted victim link one nobody counts. Every unit
/// told of the data gets one feed notice that it may no longer use it. Restricting what is restricted appends nothing.
public sealed record RestrictData(RestrictedData What, string Reason, string LegalBasis) : SealsCaseText
{
    /// Set only by the hub's own work (ByHub), never by a request: the hub may restrict a case it does not own.
    public bool ByHub { get; private init; }

    public static RestrictData From(RestrictDataRequest request, Caller caller, CaseTarget target, Erasure.IdentifierPseudonym? pseudonyms = null)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var what = Restrictions.ScopeOf(request.ScopeCase != RestrictDataRequest.ScopeOneofCase.None, request.WholeCase,
            request.HasIdentifierKey ? request.IdentifierKey : null, request.HasVictimLinkId ? request.VictimLinkId : null, pseudonyms);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        var legalBasis = RequestFields.RequiredText(request.LegalBasis, "legal_basis", Restrictions.MaxLegalBasisLength);
        return new RestrictData(what, reason, legalBasis)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    /// The whole case restricted by the hub itself, e.g. by the time-driven work for a case past its review date. The
    /// caller is the hub's own (it must see every case, as an auditor does); the command id should be derived from what
    /// fell due, so that a repeated round appends nothing twice.
    public static RestrictData ByHubOn(Guid caseId, string commandId, string reason, string legalBasis, Caller hub)
    {
        var request = new RestrictDataRequest { CommandId = commandId, CaseId = caseId.ToString(), WholeCase = true, Reason = reason, LegalBasis = legalBasis };
        return From(request, hub, new CaseTarget(caseId, null)) with { ByHub = true };
    }

    public override bool LocksEveryIdentifierOfItsCase => What.Scope == RestrictionScope.Case;

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => What.IdentifierKey is { } key ? [key] : [];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        Restrictions.EnsureMayRestrict(current, Caller, ByHub);
        if (Restrictions.IsRestricted(current, What, index)) return new([], new CommandResult());
        var holdings = Restrictions.Holdings(current, What, index);
        var restricted = new DataRestricted(current.Id, What, CaseText.Seal(current, keys, nameof(DataRestricted.Reason), Reason), LegalBasis, CaseParty.Of(current),
            Restrictions.Told(current, What, holdings, index, now), Restrictions.Victim(current, What)?.Country, ByHub);
        return new([restricted], new CommandResult());
    }
}
