using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.CoLeads;

/// Joint cases over gRPC: NL owns a RED case and asks BE to join it as co-lead; CA holds a GREEN case of its own.
/// A hub of its own: it moves the hub's clock past an invitation's deadline, which would age every other class's cases.
public sealed class CoLeadTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private static readonly Justification Why = new() { Purpose = "joint investigation JIT-7" };

    private Task<Case> Read(CaseService.CaseServiceClient unit, string caseId) =>
        unit.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why }).ResponseAsync;

    private async Task<bool> Hit(string unit, string email) =>
        (await hub.Lookups(unit).LookupAsync(new LookupRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } }, Justification = Why,
        })).Hit;

    private Task<CommandResult> Invite(string caseId, string unit) =>
        nl.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = unit, Reason = "joint investigation JIT-7" }).ResponseAsync;

    private Task<CommandResult> Answer(CaseService.CaseServiceClient unit, string caseId, CoLeadAnswer answer, string reason = "") =>
        unit.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = caseId, Answer = answer, Reason = reason }).ResponseAsync;

    /// NL's RED case with one identifier and one victim, and BE invited to it.
    private async Task<(string CaseId, string Email)> RedCaseWithBeInvited()
    {
        var email = Unique.Email();
        var caseId = await nl.OpenedCase(Tlp.Red);
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email));
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-NL-1", AgeBand = AgeBand._13To15, Country = "NL" });
        await Invite(caseId, "BE-FCCU");
        return (caseId, email);
    }

    private async Task<(string CaseId, string Email)> JointCase()
    {
        var joint = await RedCaseWithBeInvited();
        await Answer(be, joint.CaseId, CoLeadAnswer.Accept);
        return joint;
    }

    /// What a case that does not exist answers BE.
    private async Task<(StatusCode, string?)> MissingCase() =>
        await Failure(() => Read(be, NewId())) is var (code, field, _) ? (code, field) : default;

    [Fact]
    public async Task A_co_lead_reads_the_case_in_full_and_an_identifier_it_adds_correlates_and_both_leads_are_told()
    {
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var (caseId, _) = await RedCaseWithBeInvited();
        var invitation = Assert.Single(await hub.FeedAfter("BE-FCCU", beStart), i => i.CoLead is { Change: CoLeadChange.Invited } c && c.CaseId == caseId).CoLead;
        Assert.Equal((CoLeadChange.Invited, "BE-FCCU", "NL-TBKK"), (invitation.Change, invitation.CoLeadUnit, invitation.ByUnit));
        Assert.NotNull(invitation.ExpiresAt);
        // Invited, it sees what a handoff's target sees: no victims, and it may not add.
        var asInvited = await Read(be, caseId);
        Assert.Equal((0, 1), (asInvited.VictimLinks.Count, asInvited.VictimCount));
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => be.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, Unique.Email())).ResponseAsync)).Code);

        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        await Answer(be, caseId, CoLeadAnswer.Accept);
        var joined = Assert.Single(await hub.FeedAfter("NL-TBKK", nlStart), i => i.CoLead is { Change: CoLeadChange.Joined } c && c.CaseId == caseId).CoLead;
        Assert.Equal((CoLeadChange.Joined, "BE-FCCU"), (joined.Change, joined.CoLeadUnit));

        var asCoLead = await Read(be, caseId);
        Assert.Equal("V-NL-1", Assert.Single(asCoLead.VictimLinks).VictimReference);
        Assert.Equal(["BE-FCCU"], asCoLead.CoLeadUnits);
        Assert.Equal(CoLeadInvitationStatus.Accepted, Assert.Single(asCoLead.CoLeadInvitations).Status);

        // CA's GREEN case holds an address BE then adds to the joint case.
        var shared = Unique.Email();
        var caCase = await ca.OpenedCase(Tlp.Green);
        await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, shared));
        (nlStart, beStart) = (await hub.Feed("NL-TBKK").LastPosition(), await hub.Feed("BE-FCCU").LastPosition());
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var added = await be.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, shared));
        Assert.Equal((1, "BE-FCCU"), (added.Correlations, added.Identifier.AddedByUnit));

        foreach (var (unit, start) in new[] { ("NL-TBKK", nlStart), ("BE-FCCU", beStart) })
        {
            var notice = Assert.Single(await hub.FeedAfter(unit, start), i => i.Correlation?.IdentifierKey == "email:" + shared).Correlation;
            Assert.Equal((caseId, "CA-RCMP-NCECC"), (notice.YourCaseId, notice.OtherCase.OwnerUnit));
        }
        // The joint case is RED: CA learns nothing of it, whoever added the address.
        Assert.DoesNotContain(await hub.FeedAfter("CA-RCMP-NCECC", caStart), i => i.Correlation?.IdentifierKey == "email:" + shared);
        Assert.Equal("BE-FCCU", (await Read(nl, caseId)).Identifiers.Single(i => i.Key == "email:" + shared).AddedByUnit);

        var linked = await be.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-BE-1", AgeBand = AgeBand.Under13, Country = "BE" });
        Assert.Contains((await Read(nl, caseId)).VictimLinks, v => v.VictimLinkId == linked.VictimLinkId);

        // Its reads are in the access log, as full reads by BE.
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "BE-FCCU" });
        var reads = records.Where(r => r.Operation == "GetCase" && r.Outcome == AccessOutcome.Allowed).ToList();
        Assert.Contains(reads, r => r.Disclosed.Contains("victim links withheld"));
        Assert.Contains(reads, r => r.Disclosed.Contains("1 victim links"));
    }

    [Fact]
    public async Task A_co_lead_cannot_close_hand_off_or_invite_and_retracts_only_its_own_identifiers()
    {
        var (caseId, ownersEmail) = await JointCase();
        Task<CommandResult> Close() => be.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "done" }).ResponseAsync;
        var close = await Failure(Close);
        Assert.Equal((StatusCode.PermissionDenied, "NOT_CASE_OWNER"), (close.Code, close.Status.GetDetail<Google.Rpc.ErrorInfo>().Reason));
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => be.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = "r" }).ResponseAsync)).Code);
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => be.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "CA-RCMP-NCECC", Reason = "r" }).ResponseAsync)).Code);
        var retractOwners = await Failure(() => be.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = "email:" + ownersEmail, Reason = "r" }).ResponseAsync);
        Assert.Equal("NOT_OWN_IDENTIFIER", retractOwners.Status.GetDetail<Google.Rpc.ErrorInfo>().Reason);

        var own = Unique.Email();
        await be.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, own));
        await be.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = "email:" + own, Reason = "typo" });
        var file = await Read(nl, caseId);
        Assert.Equal((CaseStatus.Open, "typo"), (file.Status, file.Identifiers.Single(i => i.Key == "email:" + own).RetractionReason));

        var refused = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "BE-FCCU" });
        Assert.Contains(refused, r => r.Operation == "CloseCase" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task Leaving_ends_the_co_leads_view_exactly_as_a_missing_case_and_the_history_shows_it()
    {
        var (caseId, email) = await JointCase();
        Assert.True(await Hit("BE-FCCU", email));
        // While it leads the case, a co-lead may replay it as the owner may.
        Assert.Contains(await hub.Audit("BE-FCCU", "analyst").Replay(caseId), e => e.EventType == "co_lead_joined");
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();

        await be.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "our part is done" });

        var left = Assert.Single(await hub.FeedAfter("NL-TBKK", nlStart), i => i.CoLead is { Change: CoLeadChange.Left } c && c.CaseId == caseId).CoLead;
        Assert.Equal((CoLeadChange.Left, "BE-FCCU", "our part is done"), (left.Change, left.ByUnit, left.Reason));
        var gone = await Failure(() => Read(be, caseId));
        Assert.Equal(await MissingCase(), (gone.Code, gone.Field));
        Assert.False(await Hit("BE-FCCU", email));
        var again = await Failure(() => be.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "again" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, again.Code);
        Assert.Empty((await Read(nl, caseId)).CoLeadUnits);

        var replay = await hub.Audit("EU-AUDIT").Replay(caseId);
        Assert.Equal(["co_lead_invited", "co_lead_joined", "co_lead_left"], replay.Where(e => e.EventType.StartsWith("co_lead")).Select(e => e.EventType));
        Assert.Equal(("NL-TBKK", "BE-FCCU", "BE-FCCU"), (replay.Single(e => e.EventType == "co_lead_invited").Unit,
            replay.Single(e => e.EventType == "co_lead_joined").Unit, replay.Single(e => e.EventType == "co_lead_left").Unit));
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "BE-FCCU" });
        Assert.Contains(records, r => r.Operation == "GetCase" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task The_owner_removes_a_co_lead_which_is_told_and_sees_the_case_no_more()
    {
        var (caseId, _) = await JointCase();
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        await nl.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "BE-FCCU", Reason = "conflict of interest" });
        var removed = Assert.Single(await hub.FeedAfter("BE-FCCU", beStart), i => i.CoLead is { Change: CoLeadChange.Removed } c && c.CaseId == caseId).CoLead;
        Assert.Equal((CoLeadChange.Removed, "NL-TBKK", "conflict of interest"), (removed.Change, removed.ByUnit, removed.Reason));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => Read(be, caseId))).Code);
    }

    /// The owner takes back an invitation before it is answered: the invited unit is told, sees the case no more and
    /// can no longer accept; the history and the access log say who did it.
    [Fact]
    public async Task The_owner_withdraws_an_invitation_before_it_is_answered()
    {
        var (caseId, email) = await RedCaseWithBeInvited();
        Assert.True(await Hit("BE-FCCU", email));
        var beStart = await hub.Feed("BE-FCCU").LastPosition();

        await nl.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "BE-FCCU", Reason = "the suspect moved to NL" });

        var withdrawn = Assert.Single(await hub.FeedAfter("BE-FCCU", beStart), i => i.CoLead is { Change: CoLeadChange.Withdrawn } c && c.CaseId == caseId).CoLead;
        Assert.Equal((CoLeadChange.Withdrawn, "BE-FCCU", "NL-TBKK", "the suspect moved to NL"), (withdrawn.Change, withdrawn.CoLeadUnit, withdrawn.ByUnit, withdrawn.Reason));
        var gone = await Failure(() => Read(be, caseId));
        Assert.Equal(await MissingCase(), (gone.Code, gone.Field));
        Assert.False(await Hit("BE-FCCU", email));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => Answer(be, caseId, CoLeadAnswer.Accept))).Code);
        var invitation = (await Read(nl, caseId)).CoLeadInvitations.Single(i => i.CoLeadUnit == "BE-FCCU");
        Assert.Equal((CoLeadInvitationStatus.Withdrawn, "the suspect moved to NL"), (invitation.Status, invitation.DeclineReason));

        var auditor = hub.Audit("EU-AUDIT");
        var replay = await auditor.Replay(caseId);
        Assert.Equal("NL-TBKK", replay.Single(e => e.EventType == "co_lead_invitation_withdrawn").Unit);
        var records = await auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "NL-TBKK" });
        var invite = Assert.Single(records, r => r.Operation == "InviteCoLead");
        var leave = Assert.Single(records, r => r.Operation == "LeaveCase");
        Assert.Equal(AccessOutcome.Allowed, leave.Outcome);
        Assert.Contains("CoLeadInvitationWithdrawn", leave.Disclosed);
        Assert.Contains("CoLeadInvited", invite.Disclosed);
        // Bulk commands (opening, adding identifiers and victims) leave no record of their own: their events are it.
        Assert.DoesNotContain(records, r => r.Operation is "OpenCase" or "AddSuspectIdentifier" or "LinkVictim");
    }

    [Fact]
    public async Task A_declined_or_expired_invitation_ends_the_invited_units_view()
    {
        var (caseId, email) = await RedCaseWithBeInvited();
        await Invite(caseId, "CA-RCMP-NCECC");
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        Assert.True(await Hit("CA-RCMP-NCECC", email));
        var noReason = await Failure(() => Answer(ca, caseId, CoLeadAnswer.Decline));
        Assert.Equal((StatusCode.InvalidArgument, "reason"), (noReason.Code, noReason.Field));
        await Answer(ca, caseId, CoLeadAnswer.Decline, "no capacity");
        var declined = Assert.Single(await hub.FeedAfter("NL-TBKK", nlStart), i => i.CoLead is { Change: CoLeadChange.Declined } c && c.CaseId == caseId).CoLead;
        Assert.Equal((CoLeadChange.Declined, "CA-RCMP-NCECC", "no capacity"), (declined.Change, declined.CoLeadUnit, declined.Reason));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => Read(ca, caseId))).Code);
        Assert.False(await Hit("CA-RCMP-NCECC", email));

        Assert.True(await Hit("BE-FCCU", email));
        hub.Clock.Advance(TimeSpan.FromHours(49));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => Read(be, caseId))).Code);
        Assert.False(await Hit("BE-FCCU", email));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => Answer(be, caseId, CoLeadAnswer.Accept))).Code);
        Assert.Equal(CoLeadInvitationStatus.Expired, (await Read(nl, caseId)).CoLeadInvitations.Single(i => i.CoLeadUnit == "BE-FCCU").Status);
    }

    [Fact]
    public async Task Joint_case_commands_run_in_a_sync_stream()
    {
        var caseId = await nl.OpenedCase(Tlp.Red);
        using var call = nl.Sync();
        await call.RequestStream.WriteAsync(new SyncCommand { InviteCoLead = new InviteCoLeadRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "BE-FCCU", Reason = "sync" } });
        await call.RequestStream.CompleteAsync();
        Assert.NotNull(Assert.Single(await call.ResponseStream.ReadAllAsync().ToListAsync()).Result);
        using var answer = be.Sync();
        await answer.RequestStream.WriteAsync(new SyncCommand { AnswerCoLeadInvitation = new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = caseId, Answer = CoLeadAnswer.Accept } });
        await answer.RequestStream.WriteAsync(new SyncCommand { LeaveCase = new LeaveCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "sync" } });
        await answer.RequestStream.CompleteAsync();
        Assert.All(await answer.ResponseStream.ReadAllAsync().ToListAsync(), r => Assert.NotNull(r.Result));
        Assert.Empty((await Read(nl, caseId)).CoLeadUnits);
    }
}
