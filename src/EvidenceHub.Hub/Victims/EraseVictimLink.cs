using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using ErasureBasis = EvidenceHub.Hub.Erasure.ErasureBasis;

namespace EvidenceHub.Hub.Victims;

/// The owner erases a victim link (LED Art. 16(2)): the engine destroys the link's subject key in the transaction that
/// appends VictimLinkErased, so its reference and contacting identifier never open again, while every stored event,
/// and so every leaf, checkpoint and proof of the audit log, stays as it was. A closed case may be erased from too
/// (retention ends after closing). Erasing a link already erased appends nothing.
/// No other unit is told: a victim link never left the owning unit; what others saw is a count of victims per
/// country (lookups, networks), which simply drops by one.
public sealed record EraseVictimLink(Guid VictimLinkId, ErasureBasis Basis, string Reason) : Command
{
    public static EraseVictimLink From(EraseVictimLinkRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var linkId = RequestFields.Id(request.VictimLinkId, "victim_link_id");
        var basis = RequestFields.Enum<ErasureBasis>((int)request.LegalBasis, "legal_basis");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new EraseVictimLink(linkId, basis, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        // Owner first: a unit that sees the case without its victims (a handoff's target) learns nothing of its links.
        if (current.OwnerUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER", $"Only the owning unit may erase from case {current.Id}.", current.Id.ToString());
        var link = current.Victims.FirstOrDefault(v => v.VictimLinkId == VictimLinkId)
            ?? throw Rejection.NotFound("victim link", VictimLinkId.ToString(), "victim_link_id");
        var answer = new CommandResult { VictimLinkId = link.VictimLinkId.ToString() };
        // The access log says who erased what, when and why (the event says it too, in the case's history).
        var record = new AccessNote(Reason, $"erase victim link {VictimLinkId} of case {CaseId} ({Basis})",
            $"victim link {VictimLinkId} erased: its reference and contacting identifier can no longer be read");
        if (link.IsErased) return new([], answer) { Record = record with { Disclosed = $"victim link {VictimLinkId} was erased before: nothing changed" } };
        return new([new VictimLinkErased(current.Id, link.VictimLinkId, link.VictimReference.Subject, link.Country, Basis, Reason)], answer) { Record = record };
    }
}
