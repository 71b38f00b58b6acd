using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Lifecycle;

/// Retention:OverdueAction = Erase: a case left unreviewed past its review date is erased as a whole, exactly as its
/// owner would erase it (the same decider, so every unit told of it gets the same notice), by the hub's own caller, on
/// the basis that its retention expired (LED Art. 5). A case erased already gets no second erasure.
public sealed class EraseOverdueCase : IOverdueCaseAction
{
    public const string Reason = "review date passed unreviewed: retention expired";

    public OverdueAction Action => OverdueAction.Erase;

    public IReadOnlyList<object> EventsFor(CaseFile overdue, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now) =>
        EraseCase.ByHubOn(overdue.Id, $"erase-overdue/{overdue.Id}", ErasureBasis.RetentionExpired, Reason, HubCaller.Instance)
            .Decide(overdue, index, keys, now).Events;
}
