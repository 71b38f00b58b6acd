using EvidenceHub.Hub.Correlation;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Lifecycle;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;

namespace EvidenceHub.Tests.Deciders;

/// Handoff deadlines (expiry by the hub, escalation by the requester) and review dates (review, notice, overdue).
public sealed class LifecycleDeciderTests
{
    private static readonly Guid CaseId = Guid.NewGuid();
    private static readonly Guid HandoffId = Guid.NewGuid();
    private static readonly HandoffOptions Handoffs = new() { PendingFor = TimeSpan.FromHours(48), MaxEscalations = 1 };
    private static readonly RetentionOptions Retention = new() { ReviewAfter = TimeSpan.FromDays(1095), NoticeBefore = TimeSpan.FromDays(30) };
    /// When the given events were recorded (DeciderSpec.And: an hour before the command decides).
    private static readonly DateTimeOffset Recorded = DeciderSpec.Now.AddHours(-1);

    /// NL asked BE to take the case over; the request's deadline passed an hour ago.
    private static DeciderSpec Expired() => DeciderSpec.Given(Opened(CaseId, Nl),
        new HandoffRequested(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "the offender lives in Belgium"), DeciderSpec.Now.AddHours(-1)));

    private static EscalateHandoff Escalate(Caller by, string note = "please answer: the victim is in danger") =>
        EscalateHandoff.From(new EscalateHandoffRequest { CommandId = NewCommandId(), HandoffId = HandoffId.ToString(), Note = note }, by, On(CaseId), Handoffs);

    private static ReviewCase Review(Caller by, string note = "still needed: trial pending") =>
        ReviewCase.From(new ReviewCaseRequest { CommandId = NewCommandId(), Note = note }, by, On(CaseId));

    [Fact]
    public void The_hub_records_an_expired_request_once_per_deadline()
    {
        Expired().When(ExpireHandoff.For(CaseId, HandoffId, 0))
            .Then(new HandoffExpired(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", DeciderSpec.Now.AddHours(-1), 0));
        // Not yet past its deadline, already recorded, answered, or of another escalation level: nothing expired.
        Expired().When(ExpireHandoff.For(CaseId, HandoffId, 0), at: DeciderSpec.Now.AddHours(-2)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_NOT_EXPIRED");
        Expired().And(new HandoffExpired(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", DeciderSpec.Now.AddHours(-1), 0))
            .When(ExpireHandoff.For(CaseId, HandoffId, 0)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_NOT_EXPIRED");
        Expired().And(new HandoffDeclined(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "no"))).When(ExpireHandoff.For(CaseId, HandoffId, 0))
            .ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_NOT_EXPIRED");
        Expired().When(ExpireHandoff.For(CaseId, HandoffId, 1)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_NOT_EXPIRED");
        Expired().And(new CaseClosed(CaseId, Text(CaseId, "done"))).When(ExpireHandoff.For(CaseId, HandoffId, 0)).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
    }

    [Fact]
    public void Hub_commands_have_deterministic_ids_and_only_the_hub_runs_them()
    {
        Assert.Equal($"expire/{HandoffId}/0", ExpireHandoff.For(CaseId, HandoffId, 0).CommandId);
        Assert.Equal(ExpireHandoff.For(CaseId, HandoffId, 0).Request, ExpireHandoff.For(CaseId, HandoffId, 0).Request);
        Assert.NotEqual(ExpireHandoff.For(CaseId, HandoffId, 0).CommandId, ExpireHandoff.For(CaseId, HandoffId, 1).CommandId);
        Assert.Same(HubCaller.Instance, ExpireHandoff.For(CaseId, HandoffId, 0).Caller);
        Expired().When(ExpireHandoff.For(CaseId, HandoffId, 0) with { Caller = Nl }).ThenRejected(StatusCode.PermissionDenied, "HUB_ONLY");
        Assert.False(Nl.IsHub());
    }

    [Fact]
    public void No_unit_can_be_registered_under_the_hubs_own_id() =>
        Assert.Throws<InvalidOperationException>(() => new UnitRegistry([new UnitRegistration(HubCaller.UnitId, "NL", [Roles.Unit])]));

    [Fact]
    public void The_requester_escalates_an_expired_request_once_more_with_a_new_deadline()
    {
        var outcome = Expired().When(Escalate(Nl))
            .Then(new HandoffEscalated(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", 1, Note(CaseId, "please answer: the victim is in danger"), DeciderSpec.Now.AddHours(48)));
        Assert.Equal(HandoffId.ToString(), outcome.Result<CommandResult>().HandoffId);
        // Recorded expired by the hub or not: the same.
        Expired().And(new HandoffExpired(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", DeciderSpec.Now.AddHours(-1), 0)).When(Escalate(Nl))
            .Then(new HandoffEscalated(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", 1, Note(CaseId, "please answer: the victim is in danger"), DeciderSpec.Now.AddHours(48)));
    }

    [Fact]
    public void An_escalated_request_is_pending_again_and_its_target_may_accept_it()
    {
        var escalated = Expired().And(new HandoffEscalated(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", 1, Note(CaseId, "again"), DeciderSpec.Now.AddHours(47)));
        escalated.When(AcceptHandoff.From(new AcceptHandoffRequest { CommandId = NewCommandId(), HandoffId = HandoffId.ToString() }, Be, On(CaseId)))
            .Then(new HandoffAccepted(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", "BE"));
        escalated.When(Escalate(Nl)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_STILL_PENDING");
        // Its new deadline passed: the hub expires it at its level, and with MaxEscalations = 1 it cannot be escalated again.
        escalated.When(ExpireHandoff.For(CaseId, HandoffId, 1), at: DeciderSpec.Now.AddHours(48))
            .Then(new HandoffExpired(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", DeciderSpec.Now.AddHours(47), 1));
        escalated.When(Escalate(Nl), at: DeciderSpec.Now.AddHours(48)).ThenRejected(StatusCode.FailedPrecondition, "ESCALATIONS_EXHAUSTED");
    }

    [Fact]
    public void Only_the_requesting_owner_escalates_only_an_expired_request_with_a_note()
    {
        Expired().When(Escalate(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Expired().When(Escalate(Nl), at: DeciderSpec.Now.AddHours(-2)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_STILL_PENDING");
        Expired().And(new HandoffDeclined(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "no"))).When(Escalate(Nl)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_ALREADY_ANSWERED");
        Expired().And(new CaseClosed(CaseId, Text(CaseId, "done"))).When(Escalate(Nl)).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
        var another = Guid.NewGuid();
        Expired().And(new HandoffRequested(CaseId, another, "NL-TBKK", "CA-RCMP-NCECC", Text(CaseId, "CA leads"), DeciderSpec.Now.AddHours(40)))
            .When(Escalate(Nl)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_ALREADY_OPEN");
        DeciderSpec.WhenBuilding(() => Escalate(Nl, " ")).ThenRejected(StatusCode.InvalidArgument, "note");
        DeciderSpec.WhenBuilding(() => EscalateHandoff.From(new EscalateHandoffRequest { CommandId = NewCommandId(), HandoffId = "x", Note = "n" }, Nl, On(CaseId), Handoffs))
            .ThenRejected(StatusCode.InvalidArgument, "handoff_id");
    }

    [Fact]
    public void The_owner_reviews_its_case_open_or_closed_with_a_note()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Review(Nl)).Then(new CaseReviewed(CaseId, "NL-TBKK", Note(CaseId, "still needed: trial pending"), DeciderSpec.Now));
        DeciderSpec.Given(Opened(CaseId, Nl), new CaseClosed(CaseId, Text(CaseId, "convicted"))).When(Review(Nl)).Then(new CaseReviewed(CaseId, "NL-TBKK", Note(CaseId, "still needed: trial pending"), DeciderSpec.Now));
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Review(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.WhenBuilding(() => Review(Nl, "")).ThenRejected(StatusCode.InvalidArgument, "note");
    }

    [Fact]
    public void A_review_restarts_the_review_period()
    {
        var file = CaseFile.Evolve(CaseFile.Evolve(null, Opened(CaseId, Nl), Recorded), new CaseReviewed(CaseId, "NL-TBKK", Note(CaseId, "n"), Recorded.AddDays(10)), Recorded.AddDays(10))!;
        Assert.Equal(Recorded.AddDays(10), ReviewRules.LastChange(file));
        Assert.Equal(Recorded.AddDays(10), file.LastReviewedAt);
        // The hub's own acts on the case leave its last change where it was: they must not postpone a review.
        var told = CaseFile.Evolve(file, new CaseReviewDue(CaseId, "NL-TBKK", file.UpdatedAt, Retention.DueAfter(file.UpdatedAt)), Recorded.AddDays(20))!;
        var marked = CaseFile.Evolve(told, new CaseReviewOverdue(CaseId, "NL-TBKK", file.UpdatedAt, Retention.DueAfter(file.UpdatedAt), OverdueAction.Restrict, false), Recorded.AddDays(30))!;
        Assert.Equal((file.UpdatedAt, file.UpdatedAt, file.UpdatedAt), (marked.UpdatedAt, marked.ReviewNoticeBasis, marked.OverdueBasis));
    }

    [Fact]
    public void The_owner_is_told_ahead_of_the_review_date_and_the_case_is_marked_overdue_once_it_passes()
    {
        var opened = DeciderSpec.Given(Opened(CaseId, Nl));
        var due = Retention.DueAfter(Recorded);
        opened.When(MarkReviewDue.For(CaseId, Recorded, Retention), at: due.AddDays(-30)).Then(new CaseReviewDue(CaseId, "NL-TBKK", Recorded, due));
        opened.When(MarkReviewDue.For(CaseId, Recorded, Retention), at: due.AddDays(-31)).ThenRejected(StatusCode.FailedPrecondition, "REVIEW_NOT_DUE");
        opened.When(MarkReviewOverdue.For(CaseId, Recorded, Retention, null), at: due)
            .Then(new CaseReviewOverdue(CaseId, "NL-TBKK", Recorded, due, OverdueAction.Restrict, false));
        opened.When(MarkReviewOverdue.For(CaseId, Recorded, Retention, null), at: due.AddSeconds(-1)).ThenRejected(StatusCode.FailedPrecondition, "REVIEW_NOT_DUE");
        // Reviewed after the hub read the case: the review wins.
        opened.And(new CaseReviewed(CaseId, "NL-TBKK", Note(CaseId, "n"), Recorded)).When(MarkReviewOverdue.For(CaseId, Recorded.AddDays(-1), Retention, null), at: due)
            .ThenRejected(StatusCode.FailedPrecondition, "REVIEW_NOT_DUE");
        Assert.Equal($"review-due/{CaseId}/{due:O}", MarkReviewDue.For(CaseId, Recorded, Retention).CommandId);
    }

    private sealed class Tag : IOverdueCaseAction
    {
        public OverdueAction Action => OverdueAction.Restrict;
        public IReadOnlyList<object> EventsFor(CaseFile overdue, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now) =>
            [new CaseClosed(overdue.Id, CaseText.Seal(overdue, keys, nameof(CaseClosed.Reason), "restricted for want of review"))];
    }

    [Fact]
    public void The_configured_action_is_decided_with_the_overdue_mark_in_one_decision()
    {
        var due = Retention.DueAfter(Recorded);
        DeciderSpec.Given(Opened(CaseId, Nl)).When(MarkReviewOverdue.For(CaseId, Recorded, Retention, new Tag()), at: due)
            .Then(new CaseReviewOverdue(CaseId, "NL-TBKK", Recorded, due, OverdueAction.Restrict, true), new CaseClosed(CaseId, Text(CaseId, "restricted for want of review")));
    }

    [Fact]
    public void An_overdue_case_is_restricted_as_its_owner_would_restrict_it_telling_every_unit_correlated_with_it()
    {
        var theirs = Guid.NewGuid();
        var key = MatchKey("email:offender@example.com");
        var mine = Opened(CaseId, Nl);
        var party = Hub.Sharing.CaseParty.Of(CaseFile.Evolve(null, mine, DeciderSpec.Now)!);
        var correlated = DeciderSpec.Given(Opened(theirs, Be), Added(theirs, "offender@example.com"), mine,
            Added(CaseId, "offender@example.com"),
            new CorrelationFound(key, Hub.Identifiers.IdentifierKind.EmailAddress, party, Hub.Sharing.CaseParty.Of(CaseFile.Evolve(null, Opened(theirs, Be), DeciderSpec.Now)!)));
        var due = Retention.DueAfter(Recorded);
        var overdue = MarkReviewOverdue.For(CaseId, Recorded, Retention, new RestrictOverdueCase());
        Assert.True(overdue.LocksEveryIdentifierOfItsCase);
        correlated.When(overdue, at: due).Then(
            new CaseReviewOverdue(CaseId, "NL-TBKK", Recorded, due, OverdueAction.Restrict, true),
            new Hub.Restriction.DataRestricted(CaseId, Hub.Restriction.RestrictedData.WholeCase, Text(CaseId, RestrictOverdueCase.Reason), RestrictOverdueCase.LegalBasis,
                party, [new Hub.Restriction.RestrictionRecipient("BE-FCCU", theirs, key)], ByHub: true));
        // Restricted already (by its owner): marked overdue, no second restriction.
        correlated.And(new Hub.Restriction.DataRestricted(CaseId, Hub.Restriction.RestrictedData.WholeCase, Text(CaseId, "x"), "y", party, []))
            .When(MarkReviewOverdue.For(CaseId, Recorded, Retention, new RestrictOverdueCase()), at: due)
            .Then(new CaseReviewOverdue(CaseId, "NL-TBKK", Recorded, due, OverdueAction.Restrict, true));
    }
}
