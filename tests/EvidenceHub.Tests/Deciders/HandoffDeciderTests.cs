using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identity;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;

namespace EvidenceHub.Tests.Deciders;

public sealed class HandoffDeciderTests
{
    private static readonly Guid CaseId = Guid.NewGuid();
    private static readonly Guid HandoffId = Guid.NewGuid();
    private static readonly HandoffOptions Options = new() { PendingFor = TimeSpan.FromHours(48) };

    /// NL leads the case and asked BE to take it over, an hour ago; the request stands 48 hours.
    private static DeciderSpec Pending() => DeciderSpec.Given(Opened(CaseId, Nl),
        new HandoffRequested(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "the offender lives in Belgium"), DeciderSpec.Now.AddHours(47)));

    private static RequestHandoff Request(Caller by, string target) =>
        RequestHandoff.From(new RequestHandoffRequest { CommandId = NewCommandId(), TargetUnit = target, Reason = "lead" }, by, On(CaseId), Units, Options);

    private static AcceptHandoff Accept(Caller by) => AcceptHandoff.From(new AcceptHandoffRequest { CommandId = NewCommandId(), HandoffId = HandoffId.ToString() }, by, On(CaseId));

    private static DeclineHandoff Decline(Caller by) =>
        DeclineHandoff.From(new DeclineHandoffRequest { CommandId = NewCommandId(), HandoffId = HandoffId.ToString(), Reason = "no capacity" }, by, On(CaseId));

    private static CancelHandoff Cancel(Caller by, Guid? handoffId = null) =>
        CancelHandoff.From(new CancelHandoffRequest { CommandId = NewCommandId(), HandoffId = (handoffId ?? HandoffId).ToString(), Reason = "solved" }, by, On(CaseId));

    [Fact]
    public void The_owner_asks_another_unit_to_lead_until_a_deadline()
    {
        var request = Request(Nl, "BE-FCCU");
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl)).When(request)
            .Then(new HandoffRequested(CaseId, request.NewHandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), DeciderSpec.Now.AddHours(48)));
        Assert.Equal(request.NewHandoffId.ToString(), outcome.Result<CommandResult>().HandoffId);
    }

    [Fact]
    public void A_handoff_goes_to_another_unit_that_can_lead_cases()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Request(Nl, "NL-TBKK")).ThenRejected(StatusCode.InvalidArgument, "target_unit");
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Request(Nl, "US-HSI-C3")).ThenRejected(StatusCode.InvalidArgument, "target_unit");
        DeciderSpec.WhenBuilding(() => Request(Nl, "XX-NOBODY")).ThenRejected(StatusCode.NotFound, "target_unit");
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Request(Be, "CA-RCMP-NCECC")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }

    [Fact]
    public void A_case_has_one_pending_handoff_at_a_time_and_an_expired_one_no_longer_counts()
    {
        Pending().When(Request(Nl, "CA-RCMP-NCECC")).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_ALREADY_OPEN");
        Assert.Single(Pending().When(Request(Nl, "CA-RCMP-NCECC"), at: DeciderSpec.Now.AddHours(48)).Decision!.Events);
    }

    [Fact]
    public void The_target_accepts_and_becomes_the_owner()
    {
        Pending().When(Accept(Be)).Then(new HandoffAccepted(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", "BE"));
        Pending().When(Accept(Ca)).ThenRejected(StatusCode.PermissionDenied, "NOT_HANDOFF_TARGET");
        Pending().When(Accept(Nl)).ThenRejected(StatusCode.PermissionDenied, "NOT_HANDOFF_TARGET");
        var unknown = AcceptHandoff.From(new AcceptHandoffRequest { CommandId = NewCommandId(), HandoffId = Guid.NewGuid().ToString() }, Be, On(CaseId));
        Pending().When(unknown).ThenRejected(StatusCode.NotFound, "handoff_id");
    }

    [Fact]
    public void A_handoff_is_answered_once_before_its_deadline_on_an_open_case()
    {
        Pending().When(Accept(Be), at: DeciderSpec.Now.AddHours(47)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_EXPIRED");
        Pending().And(new HandoffDeclined(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "no"))).When(Accept(Be)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_ALREADY_ANSWERED");
        Pending().And(new CaseClosed(CaseId, Text(CaseId, "done"))).When(Accept(Be)).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
    }

    [Fact]
    public void The_target_declines_with_a_reason()
    {
        Pending().When(Decline(Be)).Then(new HandoffDeclined(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "no capacity")));
        Pending().When(Decline(Ca)).ThenRejected(StatusCode.PermissionDenied, "NOT_HANDOFF_TARGET");
        Pending().When(Decline(Be), at: DeciderSpec.Now.AddDays(3)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_EXPIRED");
    }

    [Fact]
    public void The_owner_cancels_its_pending_request()
    {
        Pending().When(Cancel(Nl)).Then(new HandoffCancelled(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "solved")));
        Pending().When(Cancel(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Pending().When(Cancel(Nl, Guid.NewGuid())).ThenRejected(StatusCode.NotFound, "handoff_id");
        Pending().And(new HandoffDeclined(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", Text(CaseId, "no"))).When(Cancel(Nl)).ThenRejected(StatusCode.FailedPrecondition, "HANDOFF_ALREADY_ANSWERED");
        // Accepted: the case is no longer the requester's to change.
        Pending().And(new HandoffAccepted(CaseId, HandoffId, "NL-TBKK", "BE-FCCU", "BE")).When(Cancel(Nl)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }
}
