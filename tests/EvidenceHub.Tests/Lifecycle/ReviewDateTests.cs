using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lifecycle;

/// Issue 13 part 5: review dates, told, marked overdue and acted on (restricted, by default) by the timed work, over
/// gRPC with the hub's clock moved years ahead. A hub of its own: every case created after its clock moved is years old
/// to it, so the handoff tests (TimedWorkTests) would find their cases restricted.
public sealed class ReviewDateTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly AuditService.AuditServiceClient auditor = hub.Audit("EU-AUDIT");

    private TimedWorkRunner Runner => hub.Factory.Services.GetRequiredService<TimedWorkRunner>();

    private static (StatusCode, string?) Pick((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) => (failure.Code, failure.Field);

    [Fact]
    public async Task The_owner_is_told_of_a_review_before_its_date_an_overdue_case_is_marked_and_listed_and_a_review_ends_it()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, Unique.Email()));
        var start = await hub.Feed("NL-TBKK").LastPosition();

        hub.Clock.Advance(TimeSpan.FromDays(1095 - 20)); // within the 30 days' notice
        await Runner.RunRound(CancellationToken.None);
        await Runner.RunRound(CancellationToken.None);
        var due = Assert.Single(await hub.FeedAfter("NL-TBKK", start), i => i.Review?.CaseId == caseId).Review;
        Assert.False(due.Overdue);
        // GetCase says the same date (the last change is the identifier added after the case was opened).
        var shown = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why })).ReviewDueAt.ToDateTimeOffset();
        Assert.InRange(shown - due.ReviewDueAt.ToDateTimeOffset(), TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(1));
        Assert.False(await Overdue(caseId) is not null);

        hub.Clock.Advance(TimeSpan.FromDays(21));
        await Runner.RunRound(CancellationToken.None);
        await Runner.RunRound(CancellationToken.None);
        var notices = (await hub.FeedAfter("NL-TBKK", start)).Where(i => i.Review?.CaseId == caseId).Select(i => i.Review).ToList();
        Assert.Equal([false, true], notices.Select(n => n.Overdue));
        Assert.Equal(due.ReviewDueAt, notices[1].ReviewDueAt);
        Assert.DoesNotContain(await hub.FeedAfter("BE-FCCU", 0), i => i.Review?.CaseId == caseId);

        var listed = await Overdue(caseId);
        Assert.NotNull(listed);
        Assert.Equal(("NL-TBKK", due.ReviewDueAt), (listed.OwnerUnit, listed.ReviewDueAt));
        Assert.NotNull(listed.MarkedOverdueAt);
        var records = await auditor.AccessLog(new QueryAccessLogRequest { Unit = "EU-AUDIT" });
        Assert.Contains(records, r => r.Operation == "ListOverdueCases" && r.Outcome == AccessOutcome.Allowed && r.Disclosed.Contains(caseId));

        // The configured action (Restrict, the default): kept as evidence, seen by its owner and auditors only, until
        // the owner lifts the restriction; the hub restricted it, so its review date did not move.
        Assert.Equal("restrict", notices[1].Action);
        Assert.True((await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why })).Restricted);
        Assert.Equal(StatusCode.FailedPrecondition,
            (await Failure(() => nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, Unique.Email())).ResponseAsync)).Code);
        await nl.LiftRestrictionAsync(new LiftRestrictionRequest { CommandId = NewId(), CaseId = caseId, WholeCase = true, Reason = "late review: still needed" });

        // Only the owner reviews, with a note; the review moves the date three years on.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId, Note = "x" }).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "note"), Pick(await Failure(() => nl.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId }).ResponseAsync)));
        await nl.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId, Note = "trial set for next year: keep" });
        var afterReview = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why })).ReviewDueAt.ToDateTimeOffset();
        Assert.InRange(afterReview - hub.Clock.GetUtcNow(), TimeSpan.FromDays(1095) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(1095) + TimeSpan.FromMinutes(1));
        Assert.Null(await Overdue(caseId));
        await Runner.RunRound(CancellationToken.None);
        Assert.Equal(2, (await hub.FeedAfter("NL-TBKK", start)).Count(i => i.Review?.CaseId == caseId));

        var history = (await auditor.Replay(caseId)).Select(e => (e.EventType, e.Unit)).ToList();
        Assert.Equal([("case_review_due", "hub:lifecycle"), ("case_review_overdue", "hub:lifecycle"), ("data_restricted", "hub:lifecycle"),
                ("restriction_lifted", "NL-TBKK"), ("case_reviewed", "NL-TBKK")],
            history.Where(h => h.EventType.StartsWith("case_review", StringComparison.Ordinal) || h.EventType.Contains("restrict")));
    }

    private async Task<OverdueCase?> Overdue(string caseId)
    {
        var token = "";
        do
        {
            var page = await auditor.ListOverdueCasesAsync(new ListOverdueCasesRequest { Justification = AuditClient.Why, PageSize = 2, PageToken = token });
            if (page.Cases.FirstOrDefault(c => c.CaseId == caseId) is { } found) return found;
            token = page.NextPageToken;
        } while (token.Length > 0);
        return null;
    }

    [Fact]
    public async Task Listing_overdue_cases_needs_a_justification_and_a_token_the_hub_gave()
    {
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"),
            Pick(await Failure(() => auditor.ListOverdueCasesAsync(new ListOverdueCasesRequest { Justification = new() { Purpose = "." } }).ResponseAsync)));
        Assert.Equal((StatusCode.InvalidArgument, "page_token"),
            Pick(await Failure(() => auditor.ListOverdueCasesAsync(new ListOverdueCasesRequest { Justification = AuditClient.Why, PageToken = "garbage" }).ResponseAsync)));
        Assert.Equal(StatusCode.PermissionDenied,
            (await Failure(() => hub.Audit("NL-TBKK").ListOverdueCasesAsync(new ListOverdueCasesRequest { Justification = AuditClient.Why }).ResponseAsync)).Code);
    }
}
