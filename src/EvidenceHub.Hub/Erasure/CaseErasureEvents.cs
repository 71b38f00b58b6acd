using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Erasure;

/// An event that erases a whole case: the engine destroys every data key of the case (whatever its subjects: the case's
/// own, its victim links', its identifier holdings') and deletes its command receipts in the transaction that appends it.
public interface IErasesCase
{
    Guid CaseId { get; }
}

/// The owner (or the hub, ByHub, when the retention ran out) erased the case: every key of it is destroyed with this
/// event, so none of its sealed fields opens again; the case takes no more commands. Who and when are the event's
/// headers and timestamp. Reason stays readable, as the record of why (requests say: no personal data in it). Case is
/// the case as the recipients knew it and Told the units told of it (correlated cases' leads, a pending handoff's
/// target, co-leads, and every unit or partner a lookup or network answer disclosed it to, by the identifiers it was
/// disclosed by), so that each notice names no more than its recipient learned.
public sealed record CaseErased(
    Guid CaseId, ErasureBasis Basis, string Reason, CaseParty Case, IReadOnlyList<RestrictionRecipient> Told, bool ByHub = false)
    : ICaseEvent, IErasesCase;
