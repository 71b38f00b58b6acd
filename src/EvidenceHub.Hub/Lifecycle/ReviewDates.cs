using EvidenceHub.Hub.Commands;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Lifecycle;

/// Retention reviews on time: tells each owner Retention:NoticeBefore ahead that its case falls due for review, and
/// marks a case past its date unreviewed as overdue, with the configured action (Retention:OverdueAction).
public sealed class ReviewDates(
    ReviewSchedule schedule, CommandEngine engine, IOptions<RetentionOptions> retention, IOptions<TimedWorkOptions> options,
    IEnumerable<IOverdueCaseAction> actions, ILogger<ReviewDates> logger) : ITimedWork
{
    public string Name => "review dates";

    private readonly IOverdueCaseAction? action = ActionFor(retention.Value.OverdueAction, actions, logger);

    private static IOverdueCaseAction? ActionFor(OverdueAction configured, IEnumerable<IOverdueCaseAction> actions, ILogger logger)
    {
        var found = actions.FirstOrDefault(a => a.Action == configured);
        if (found is null)
            logger.LogWarning("Retention:OverdueAction {Action} is not available in this hub: overdue cases are marked and their owners told, nothing more", configured);
        return found;
    }

    public async Task<int> RunDue(DateTimeOffset now, CancellationToken cancellation)
    {
        var rules = retention.Value;
        var acted = 0;
        foreach (var due in await schedule.ChangedBy(now + rules.NoticeBefore - rules.ReviewAfter, ReviewSchedule.Leaving.Noticed, null, options.Value.MaxPerRound, cancellation))
            if (await engine.RunForHub(MarkReviewDue.For(due.CaseId, due.LastChangeAt, rules), logger, cancellation)) acted++;
        foreach (var overdue in await schedule.ChangedBy(now - rules.ReviewAfter, ReviewSchedule.Leaving.MarkedOverdue, null, options.Value.MaxPerRound, cancellation))
            if (await engine.RunForHub(MarkReviewOverdue.For(overdue.CaseId, overdue.LastChangeAt, rules, action), logger, cancellation)) acted++;
        return acted;
    }
}
