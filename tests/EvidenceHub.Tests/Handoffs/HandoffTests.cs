using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Handoffs;

/// Issue 10 finding 11: notices reach a case's current owner; a pending handoff can be cancelled and expires; the
/// target's view of the case ends with the handoff.
[Collection(CasesHub.Name)]
public sealed class HandoffTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private static readonly Justification Why = new() { Purpose = "handoff tests" };

    private async Task<(string CaseId, string HandoffId, string Email)> RedCaseHandedTo(string target)
    {
        var email = Unique.Email();
        var caseId = await nl.OpenedCase(Tlp.Red);
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email));
        var handoff = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = target, Reason = "suspect moved" });
        return (caseId, handoff.HandoffId, email);
    }

    private Task<Case> Read(CaseService.CaseServiceClient unit, string caseId) =>
        unit.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "handoff tests" } }).ResponseAsync;

    private async Task<bool> Hit(string unit, string email) =>
        (await hub.Lookups(unit).LookupAsync(new LookupRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } }, Justification = Why,
        })).Hit;

    /// Refused like any case the caller may not see (NOT_FOUND once case existence no longer leaks).
    private static void AssertHidden((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) =>
        Assert.Contains(failure.Code, new[] { StatusCode.NotFound, StatusCode.PermissionDenied });

    [Fact]
    public async Task A_retraction_reaches_the_cases_owner_after_a_handoff_not_the_unit_that_handed_it_off()
    {
        var email = Unique.Email();
        var handed = await nl.OpenedCase(Tlp.Green);
        await nl.AddSuspectIdentifierAsync(AddIdentifier(handed, IdentifierKind.EmailAddress, email));
        var caCase = await ca.OpenedCase(Tlp.Green);
        await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, email));
        var handoff = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = handed, TargetUnit = "BE-FCCU", Reason = "BE leads" });
        await be.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = handed, HandoffId = handoff.HandoffId });
        var (nlStart, beStart) = (await hub.Feed("NL-TBKK").LastPosition(), await hub.Feed("BE-FCCU").LastPosition());

        await ca.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caCase, IdentifierKey = "email:" + email, Reason = "wrong address" });

        var toBe = await hub.FeedAfter("BE-FCCU", beStart);
        var notice = Assert.Single(toBe, i => i.Retraction?.IdentifierKey == "email:" + email).Retraction;
        Assert.Equal((handed, "CA-RCMP-NCECC", "wrong address"), (notice.YourCaseId, notice.RetractingUnit, notice.Reason));
        await hub.ProjectionsCaughtUp();
        Assert.DoesNotContain(await hub.Feed("NL-TBKK").ReadAll(nlStart), i => i.Retraction?.IdentifierKey == "email:" + email);
    }

    [Fact]
    public async Task Cancelling_a_pending_handoff_tells_the_target_and_ends_its_view_of_the_case()
    {
        var (caseId, handoffId, email) = await RedCaseHandedTo("BE-FCCU");
        Assert.Equal(caseId, (await Read(be, caseId)).CaseId);
        Assert.True(await Hit("BE-FCCU", email));
        var beStart = await hub.Feed("BE-FCCU").LastPosition();

        var byTarget = await Failure(() => be.CancelHandoffAsync(new CancelHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId, Reason = "r" }).ResponseAsync);
        Assert.NotEqual(StatusCode.OK, byTarget.Code);
        var noReason = await Failure(() => nl.CancelHandoffAsync(new CancelHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "reason"), (noReason.Code, noReason.Field));
        var cancelled = await nl.CancelHandoffAsync(new CancelHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId, Reason = "we keep it" });
        Assert.Equal(handoffId, cancelled.HandoffId);

        // The request's own notice may arrive after beStart (the feed is built asynchronously): look for the answer.
        bool IsCancellation(FeedItem i) => i.Handoff?.HandoffId == handoffId && i.Handoff.Status == HandoffStatus.Cancelled;
        var told = await hub.FeedAfter("BE-FCCU", beStart);
        var notice = Assert.Single(told, IsCancellation).Handoff;
        Assert.Equal(("NL-TBKK", "BE-FCCU", "we keep it"), (notice.FromUnit, notice.TargetUnit, notice.Reason));
        AssertHidden(await Failure(() => Read(be, caseId)));
        Assert.False(await Hit("BE-FCCU", email));
        var accept = await Failure(() => be.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId }).ResponseAsync);
        // The ended handoff gave the target no view of the case any more: it answers as a case that does not exist.
        Assert.Equal(StatusCode.NotFound, accept.Code);
        Assert.Equal(HandoffStatus.Cancelled, (await Read(nl, caseId)).Handoffs.Single().Status);
    }

    [Fact]
    public async Task A_handoff_cancelled_in_a_sync_stream_is_cancelled()
    {
        var (caseId, handoffId, _) = await RedCaseHandedTo("BE-FCCU");
        using var call = nl.Sync();
        await call.RequestStream.WriteAsync(new SyncCommand { CancelHandoff = new CancelHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId, Reason = "sync" } });
        await call.RequestStream.CompleteAsync();
        var result = Assert.Single(await call.ResponseStream.ReadAllAsync().ToListAsync());
        Assert.Equal(handoffId, result.Result.HandoffId);
        AssertHidden(await Failure(() => Read(be, caseId)));
    }

    [Fact]
    public async Task A_pending_handoff_expires_after_its_deadline_and_grants_nothing_more()
    {
        var (caseId, handoffId, email) = await RedCaseHandedTo("BE-FCCU");
        var requested = (await Read(nl, caseId)).Handoffs.Single();
        var standing = requested.ExpiresAt.ToDateTimeOffset() - requested.RequestedAt.ToDateTimeOffset();
        Assert.InRange(standing, TimeSpan.FromHours(47.9), TimeSpan.FromHours(48.1));
        Assert.True(await Hit("BE-FCCU", email));

        hub.Clock.Advance(TimeSpan.FromHours(49));

        AssertHidden(await Failure(() => Read(be, caseId)));
        Assert.False(await Hit("BE-FCCU", email));
        var accept = await Failure(() => be.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId }).ResponseAsync);
        // The ended handoff gave the target no view of the case any more: it answers as a case that does not exist.
        Assert.Equal(StatusCode.NotFound, accept.Code);
        Assert.Null(accept.Status.GetDetail<Google.Rpc.ErrorInfo>());
        Assert.Equal(HandoffStatus.Expired, (await Read(nl, caseId)).Handoffs.Single().Status);
        // No longer pending: the owner may ask another unit.
        await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = "second try" });
    }

    [Fact]
    public async Task Closing_the_case_ends_the_targets_view_also_of_identifiers_added_after_the_request()
    {
        var (caseId, _, _) = await RedCaseHandedTo("BE-FCCU");
        var later = Unique.Email();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, later));
        Assert.Contains((await Read(be, caseId)).Identifiers, i => i.Key == "email:" + later);
        Assert.True(await Hit("BE-FCCU", later));

        await nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "closed" });

        AssertHidden(await Failure(() => Read(be, caseId)));
        Assert.False(await Hit("BE-FCCU", later));
    }

    [Fact]
    public async Task A_declined_handoff_ends_the_targets_view()
    {
        var (caseId, handoffId, email) = await RedCaseHandedTo("BE-FCCU");
        await be.DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId, Reason = "not ours" });
        AssertHidden(await Failure(() => Read(be, caseId)));
        Assert.False(await Hit("BE-FCCU", email));
    }
}
