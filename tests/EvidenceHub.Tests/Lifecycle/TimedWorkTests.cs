using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lifecycle;

/// Issue 13 parts 5 and 6: handoff deadlines and review dates, acted on by the timed work through the hub's own
/// commands, over gRPC with the hub's clock moved forward. The hub has its own database: its clock goes years ahead.
public sealed class TimedWorkTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private readonly AuditService.AuditServiceClient auditor = hub.Audit("EU-AUDIT");
    private static readonly TimeSpan PastTheDeadline = TimeSpan.FromHours(49);

    private TimedWorkRunner Runner => hub.Factory.Services.GetRequiredService<TimedWorkRunner>();

    private async Task<(string CaseId, string HandoffId)> HandoffRequested()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var handoff = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "the suspect moved to Belgium" });
        return (caseId, handoff.HandoffId);
    }

    private static List<HandoffNotice> Handoffs(IEnumerable<FeedItem> items, string handoffId, HandoffStatus status) =>
        items.Where(i => i.Handoff?.HandoffId == handoffId && i.Handoff.Status == status).Select(i => i.Handoff).ToList();

    [Fact]
    public async Task An_expired_request_is_told_to_both_units_once_and_recorded_as_the_hubs_event()
    {
        var (caseId, handoffId) = await HandoffRequested();
        var (nlStart, beStart) = (await hub.Feed("NL-TBKK").LastPosition(), await hub.Feed("BE-FCCU").LastPosition());
        await Runner.RunRound(CancellationToken.None);
        Assert.Empty(Handoffs(await hub.FeedAfter("BE-FCCU", beStart), handoffId, HandoffStatus.Expired)); // not before its deadline

        hub.Clock.Advance(PastTheDeadline);
        Assert.True(await Runner.RunRound(CancellationToken.None) >= 1);
        Assert.Equal(0, await Runner.RunRound(CancellationToken.None)); // a repeated round: nothing more

        var toNl = Handoffs(await hub.FeedAfter("NL-TBKK", nlStart), handoffId, HandoffStatus.Expired);
        var toBe = Handoffs(await hub.FeedAfter("BE-FCCU", beStart), handoffId, HandoffStatus.Expired);
        Assert.Equal(("NL-TBKK", "BE-FCCU", caseId), (Assert.Single(toNl).FromUnit, toNl[0].TargetUnit, toNl[0].CaseId));
        Assert.Single(toBe);
        Assert.DoesNotContain(await hub.FeedAfter("CA-RCMP-NCECC", 0), i => i.Handoff?.HandoffId == handoffId);

        var expired = Assert.Single(await auditor.Replay(caseId), e => e.EventType == "handoff_expired");
        Assert.Equal(("hub:lifecycle", "timed-work", $"expire/{handoffId}/0", "timed-work"), (expired.Unit, expired.User, expired.CommandId, expired.CorrelationId));
        var read = await be.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "deadline tests" } }).ResponseAsync
            .ContinueWith(t => t.IsFaulted ? ((RpcException)t.Exception!.InnerException!).StatusCode : StatusCode.OK);
        Assert.Equal(StatusCode.NotFound, read); // the target's view ended with the deadline
    }

    [Fact]
    public async Task The_requester_escalates_an_expired_request_and_the_target_is_asked_again()
    {
        var (caseId, handoffId) = await HandoffRequested();
        hub.Clock.Advance(PastTheDeadline);
        await Runner.RunRound(CancellationToken.None);
        var (nlStart, beStart) = (await hub.Feed("NL-TBKK").LastPosition(), await hub.Feed("BE-FCCU").LastPosition());

        var accept = () => be.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId }).ResponseAsync;
        Assert.Equal(StatusCode.NotFound, (await Failure(accept)).Code); // expired: the target no longer sees the case
        // Refusals: not the owner, not a case the caller sees, no note, not expired — each recorded.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => ca.EscalateHandoffAsync(Escalation(caseId, handoffId)).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "note"), Pick(await Failure(() => nl.EscalateHandoffAsync(Escalation(caseId, handoffId, note: "")).ResponseAsync)));

        var escalated = await nl.EscalateHandoffAsync(Escalation(caseId, handoffId));
        Assert.Equal(handoffId, escalated.HandoffId);
        Assert.Equal(StatusCode.FailedPrecondition, (await Failure(() => nl.EscalateHandoffAsync(Escalation(caseId, handoffId)).ResponseAsync)).Code);

        var notice = Assert.Single(await hub.FeedAfter("BE-FCCU", beStart), i => i.HandoffEscalation?.HandoffId == handoffId).HandoffEscalation;
        Assert.Equal(("NL-TBKK", 1, "second request: the victim is at risk", caseId), (notice.FromUnit, notice.EscalationLevel, notice.Note, notice.CaseId));
        Assert.True(notice.ExpiresAt.ToDateTimeOffset() > hub.Clock.GetUtcNow().AddHours(47));
        Assert.DoesNotContain(await hub.FeedAfter("NL-TBKK", nlStart), i => i.HandoffEscalation is not null);
        // Pending again: the target sees the case and may answer.
        var seen = await be.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "deadline tests" } });
        Assert.Equal(HandoffStatus.Requested, Assert.Single(seen.Handoffs).Status);

        // Its second deadline passes unanswered: a second expiry, told again to both.
        hub.Clock.Advance(PastTheDeadline);
        await Runner.RunRound(CancellationToken.None);
        Assert.Single(Handoffs(await hub.FeedAfter("BE-FCCU", beStart), handoffId, HandoffStatus.Expired));
        var events = await auditor.Replay(caseId);
        Assert.Equal(["handoff_expired", "handoff_escalated", "handoff_expired"],
            events.Where(e => e.EventType.StartsWith("handoff_e", StringComparison.Ordinal)).Select(e => e.EventType));
        Assert.Contains(events, e => e.CommandId == $"expire/{handoffId}/1");

        var refusals = await auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        Assert.Contains(refusals, r => r.Operation == "EscalateHandoff" && r.Unit == "CA-RCMP-NCECC" && r.Outcome == AccessOutcome.Refused);
        Assert.Contains(refusals, r => r.Operation == "EscalateHandoff" && r.Unit == "NL-TBKK" && r.Outcome == AccessOutcome.Refused);
    }

    private static EscalateHandoffRequest Escalation(string caseId, string handoffId, string note = "second request: the victim is at risk") =>
        new() { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId, Note = note };

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

        // Only the owner reviews, with a note; the review moves the date three years on.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId, Note = "x" }).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "note"), Pick(await Failure(() => nl.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId }).ResponseAsync)));
        await nl.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId, Note = "trial set for next year: keep" });
        Assert.Null(await Overdue(caseId));
        await Runner.RunRound(CancellationToken.None);
        Assert.Equal(2, (await hub.FeedAfter("NL-TBKK", start)).Count(i => i.Review?.CaseId == caseId));

        var history = (await auditor.Replay(caseId)).Select(e => (e.EventType, e.Unit)).ToList();
        Assert.Equal([("case_review_due", "hub:lifecycle"), ("case_review_overdue", "hub:lifecycle"), ("case_reviewed", "NL-TBKK")],
            history.Where(h => h.EventType.StartsWith("case_review", StringComparison.Ordinal)));
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

    /// A second hub instance over the same database, on the same clock, with its own timed work.
    private WebApplicationFactory<Program> Instance() => new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
    {
        foreach (var (key, value) in HubFixture.HubSettings(hub.Database, hub.Pki)) host.UseSetting(key, value);
        host.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientCertificate>());
        host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(hub.Clock));
    });

    [Fact]
    public async Task Two_instances_running_rounds_at_once_do_each_due_thing_once()
    {
        var handoffs = new List<(string CaseId, string HandoffId)>();
        for (var i = 0; i < 5; i++) handoffs.Add(await HandoffRequested());
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        await using var second = Instance();
        var otherRunner = second.Services.GetRequiredService<TimedWorkRunner>();

        hub.Clock.Advance(PastTheDeadline);
        var rounds = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? Runner : otherRunner).RunRound(CancellationToken.None))));

        Assert.True(rounds.Sum(r => r ?? 0) >= handoffs.Count);
        var told = await hub.FeedAfter("BE-FCCU", beStart);
        foreach (var (caseId, handoffId) in handoffs)
        {
            Assert.Single(Handoffs(told, handoffId, HandoffStatus.Expired));
            Assert.Single(await auditor.Replay(caseId), e => e.EventType == "handoff_expired");
        }
    }

    [Fact]
    public async Task A_hub_that_starts_after_a_deadline_passed_acts_on_it_in_its_first_round()
    {
        var (caseId, handoffId) = await HandoffRequested();
        hub.Clock.Advance(PastTheDeadline);

        // No round ran here; a hub instance started now runs one at once (its timer then waits a day).
        await using var restarted = Instance();
        _ = restarted.Server;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await auditor.Replay(caseId)).Any(e => e.EventType == "handoff_expired"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"handoff {handoffId} was not expired by the started instance");
            await Task.Delay(100);
        }
        Assert.Equal(0, await Runner.RunRound(CancellationToken.None));
    }
}
