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
        // The first expiry's notices must be in the feeds before the positions they are counted after.
        await hub.ProjectionsCaughtUp();
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
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? Runner : otherRunner).RunRound(CancellationToken.None))));

        // The second instance also runs a round of its own as it starts, which may take some of the work (or hold the
        // lock while these ran): settle until a round finds nothing left, then count what was done, whoever did it.
        while (await Runner.RunRound(CancellationToken.None) is not 0) await Task.Delay(50);
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
        // The started instance's round may still hold the lock (its other kinds of work) once the expiry shows: wait
        // for a round of this instance's own, which must find nothing left.
        int? round;
        while ((round = await Runner.RunRound(CancellationToken.None)) is null) await Task.Delay(50);
        Assert.Equal(0, round);
    }
}
