using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf;
using ErasureBasis = EvidenceHub.Hub.Erasure.ErasureBasis;

namespace EvidenceHub.Hub.Identifiers;

/// The owner erases its case's holding of an identifier (LED Art. 16(2)): the engine destroys the holding's subject key
/// in the transaction that appends SuspectIdentifierErased, so its values and retraction reason never open again;
/// the holding, its blind tokens (when no other case holds the value) and the feed items naming it are deleted with it
/// (IdentifierHoldingProjection), and its receipts keep no fingerprint. Every stored event, and so every leaf,
/// checkpoint and proof of the audit log, stays as it was. Its correlations are retracted: every unit told of one gets
/// an erasure notice (Art. 7(3)) naming the identifier by its own key or the pseudonym, never by the erased value.
/// Only an identifier the case holds now is erased (a retracted one was deleted from the index already and its
/// values are erased with the case). A closed case may be erased from too; erasing again finds nothing to erase.
public sealed record EraseSuspectIdentifier(string Key, ErasureBasis Basis, string Reason) : Command
{
    public static EraseSuspectIdentifier From(EraseSuspectIdentifierRequest request, Caller caller, CaseTarget target, IdentifierPseudonym pseudonyms)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var key = pseudonyms.MatchKeyOf(RequestFields.RequiredText(request.IdentifierKey, "identifier_key", RequestFields.MaxIdentifierKeyLength));
        var basis = RequestFields.Enum<ErasureBasis>((int)request.LegalBasis, "legal_basis");
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new EraseSuspectIdentifier(key, basis, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => [Key];

    /// The units and partners a lookup or network answer disclosed the case to by this identifier (the access log),
    /// read before deciding, for the owner only: they are told too.
    public IReadOnlyList<string> LookedUpBy { get; init; } = [];

    public override bool ReadsBeforeDeciding => true;

    public override async Task<Command> Prepared(Marten.IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation) =>
        state.OwnerUnit == Caller.UnitId
            ? this with
            {
                LookedUpBy = (await CaseAudience.Answers(session, state.Id, cancellation)).Where(a => a.Keys.Contains(Key) && a.Unit != state.OwnerUnit)
                    .Select(a => a.Unit).Distinct().Order(StringComparer.Ordinal).ToArray(),
            }
            : this;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        // Owner first: a co-lead or a handoff's target learns nothing of what the case holds from this answer.
        if (current.OwnerUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_CASE_OWNER", $"Only the owning unit may erase from case {current.Id}.", current.Id.ToString());
        var held = index.HoldingOf(current.Id, Key) ?? throw Rejection.NotFound("identifier", Key, "identifier_key");
        Media.ImportedMedia.EnsureNotImported(held);
        var erased = new SuspectIdentifierErased(current.Id, Key, held.Subject, held.Kind, Basis, Reason);
        var recipients = index.ToldThrough(Key, current.Id);
        // The reason goes to nobody: it is the owner's, and the notice says only that the holding was erased.
        IReadOnlyList<object> events = recipients.Count + LookedUpBy.Count == 0
            ? [erased]
            : [erased, new CorrelationRetracted(Key, CaseParty.Of(current), null, recipients) { Erased = true, LookedUpBy = LookedUpBy }];
        // The access log says who erased what (by pseudonym, never the value), when and why.
        var record = new AccessNote(Reason, $"erase identifier {Key} of case {current.Id} ({Basis})",
            $"identifier {Key} erased from case {current.Id}: its values can no longer be read, it no longer matches", [Key]);
        return new(events, new CommandResult()) { Subject = held.Subject, Record = record };
    }
}
