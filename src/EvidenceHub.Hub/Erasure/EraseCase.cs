using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf;

namespace EvidenceHub.Hub.Erasure;

/// The owner erases its whole case (LED Art. 16(2)), or the hub does when its retention ran out (Retention:OverdueAction
/// = Erase): the engine destroys every data key of the case with CaseErased, so its free text, victim references and
/// (once sealed) identifier values never open again, while every stored event, and so every leaf, checkpoint and proof
/// of the audit log, stays as it was. Readers show the case as erased, with placeholders; it takes no more commands, is
/// matched and disclosed to no one, and each unit told of it gets one notice to forget it (Art. 7(3)). A closed or
/// restricted case may be erased too; erasing an erased case appends nothing.
public sealed record EraseCase(ErasureBasis Basis, string Reason) : Command
{
    /// Set only by the hub's own work, never by a request: the hub may erase a case it does not own.
    public bool ByHub { get; private init; }

    public static EraseCase From(EraseCaseRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var basis = RequestFields.Enum<ErasureBasis>((int)request.LegalBasis, "legal_basis");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new EraseCase(basis, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    /// The whole case erased by the hub itself (a case past its review date): by the hub's own caller, under a command id
    /// derived from what fell due.
    public static EraseCase ByHubOn(Guid caseId, string commandId, ErasureBasis basis, string reason, Caller hub)
    {
        var request = new EraseCaseRequest { CommandId = commandId, CaseId = caseId.ToString(), LegalBasis = (Contracts.V1.ErasureBasis)(int)basis, Reason = reason };
        return From(request, hub, new CaseTarget(caseId, null)) with { ByHub = true };
    }

    /// Every unit correlated through any identifier of the case is told: all of them are locked and read.
    public override bool LocksEveryIdentifierOfItsCase => true;

    /// The lookup and network answers that disclosed the case (the access log), read before deciding: their recipients
    /// are told too.
    public IReadOnlyList<CaseAudience.Told> Answers { get; init; } = [];

    public override bool ReadsBeforeDeciding => true;

    /// Read only for the owner (or the hub) of a case not erased yet: any other caller is refused without it.
    public override async Task<Command> Prepared(Marten.IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation) =>
        (ByHub || state.OwnerUnit == Caller.UnitId) && !state.IsErased
            ? this with { Answers = await CaseAudience.Answers(session, state.Id, cancellation) }
            : this;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        // Owner first: a co-lead or a handoff's target sees the case, but it is not theirs to erase.
        if (!ByHub && current.OwnerUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER", $"Only the owning unit may erase case {current.Id}.", current.Id.ToString());
        // The access log says who erased which case, when, on which basis and why (the event says it too).
        var record = new AccessNote(Reason, $"erase case {current.Id} ({Basis})",
            $"case {current.Id} erased: its keys are destroyed, its texts, victim references and identifier values can no longer be read");
        if (current.IsErased) return new([], new CommandResult()) { Record = record with { Disclosed = $"case {current.Id} was erased before: nothing changed" } };
        var told = Restrictions.Told(current, RestrictedData.WholeCase, index.HoldingsOfCase(current.Id), index, now)
            .Concat(Answers.Where(a => a.Unit != current.OwnerUnit).SelectMany(a => a.Keys.Select(key => new RestrictionRecipient(a.Unit, null, key))))
            .Distinct().ToList();
        return new([new CaseErased(current.Id, Basis, Reason, CaseParty.Of(current), told, ByHub)], new CommandResult()) { Record = record };
    }
}
