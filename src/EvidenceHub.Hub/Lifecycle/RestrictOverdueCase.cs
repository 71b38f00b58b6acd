using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Restriction;

namespace EvidenceHub.Hub.Lifecycle;

/// Retention:OverdueAction = Restrict (the default): a case left unreviewed past its review date is restricted as a
/// whole, exactly as its owner would restrict it (the same decider, so the same notices reach every unit told of it),
/// by the hub's own caller. A case restricted already gets no second restriction.
public sealed class RestrictOverdueCase : IOverdueCaseAction
{
    public const string Reason = "review date passed unreviewed";

    /// LED Art. 5: time limits for a periodic review of the need to store; Art. 16(3): restriction instead of erasure.
    public const string LegalBasis = "LED Art. 5 and Art. 16(3): periodic review not carried out";

    public OverdueAction Action => OverdueAction.Restrict;

    public IReadOnlyList<object> EventsFor(CaseFile overdue, LockedIdentifiers index, Erasure.SubjectKeyRing keys, DateTimeOffset now) =>
        RestrictData.ByHubOn(overdue.Id, $"restrict-overdue/{overdue.Id}", Reason, LegalBasis, HubCaller.Instance)
            .Decide(overdue, index, keys, now).Events;
}
