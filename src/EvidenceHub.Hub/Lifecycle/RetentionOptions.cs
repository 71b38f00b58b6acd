namespace EvidenceHub.Hub.Lifecycle;

/// What the hub does with a case left unreviewed past its review date.
public enum OverdueAction { Restrict = 1, Erase = 2 }

/// Configured under "Retention" (validated at start).
public sealed class RetentionOptions
{
    /// A case falls due for review this long after the last change a unit made to it (identifiers included) or its
    /// last review: Europol's EIS reviews stored data every three years.
    public TimeSpan ReviewAfter { get; set; } = TimeSpan.FromDays(3 * 365);

    /// How long before the review date the owner is told on its feed.
    public TimeSpan NoticeBefore { get; set; } = TimeSpan.FromDays(30);

    public OverdueAction OverdueAction { get; set; } = OverdueAction.Restrict;

    public DateTimeOffset DueAfter(DateTimeOffset lastChange) => lastChange + ReviewAfter;
}

/// What the configured OverdueAction does to a case found overdue: events appended with its CaseReviewOverdue, in the
/// same transaction, by the hub's own caller. One implementation per action; an action without one is only recorded.
public interface IOverdueCaseAction
{
    OverdueAction Action { get; }

    /// Index holds every identifier of the case, locked (MarkReviewOverdue locks them all while an action is set);
    /// keys are the case's subject keys (an action's reason is sealed under the case subject like a unit's).
    IReadOnlyList<object> EventsFor(Cases.CaseFile overdue, Correlation.LockedIdentifiers index, Erasure.SubjectKeyRing keys, DateTimeOffset now);
}
