using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Victims;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.IdentifierDeciderTests;
using static EvidenceHub.Tests.Deciders.Sample;
using AgeBand = EvidenceHub.Hub.Victims.AgeBand;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

/// Joint cases: NL owns the case, BE is invited to (or joined as) co-lead, CA is a third unit.
public sealed class CoLeadDeciderTests
{
    private static readonly Guid CaseId = Guid.NewGuid(), Other = Guid.NewGuid();
    private static readonly HandoffOptions Options = new() { PendingFor = TimeSpan.FromHours(48) };

    private static DeciderSpec Invited() => DeciderSpec.Given(Opened(CaseId, Nl, Tlp.Red),
        new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "joint investigation"), DeciderSpec.Now.AddHours(47)));

    private static DeciderSpec Joint() => Invited().And(new CoLeadJoined(CaseId, "BE-FCCU", "NL-TBKK"));

    private static InviteCoLead Invite(Caller by, string unit) =>
        InviteCoLead.From(new InviteCoLeadRequest { CommandId = NewCommandId(), CoLeadUnit = unit, Reason = "joint investigation" }, by, On(CaseId), Units, Options);

    private static AnswerCoLeadInvitation Answer(Caller by, CoLeadAnswer answer, string reason = "") =>
        AnswerCoLeadInvitation.From(new AnswerCoLeadInvitationRequest { CommandId = NewCommandId(), Answer = answer, Reason = reason }, by, On(CaseId));

    private static LeaveCase Leave(Caller by, string unit = "") =>
        LeaveCase.From(new LeaveCaseRequest { CommandId = NewCommandId(), CoLeadUnit = unit, Reason = "our part is done" }, by, On(CaseId));

    private static LinkVictim Link(Caller by, string reference) =>
        LinkVictim.From(new LinkVictimRequest { CommandId = NewCommandId(), VictimReference = reference, AgeBand = Contracts.V1.AgeBand._13To15, Country = "BE" },
            by, On(CaseId), DeciderSpec.Now, new CaseLimits(), Pseudonyms);

    [Fact]
    public void The_owner_invites_a_unit_until_a_deadline()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Invite(Nl, "BE-FCCU"))
            .Then(new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "joint investigation"), DeciderSpec.Now.AddHours(48)));
    }

    [Fact]
    public void Only_the_owner_invites_another_unit_that_can_lead_and_is_not_in_the_case_yet()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Invite(Nl, "NL-TBKK")).ThenRejected(StatusCode.InvalidArgument, "co_lead_unit");
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Invite(Nl, "US-HSI-C3")).ThenRejected(StatusCode.InvalidArgument, "co_lead_unit");
        DeciderSpec.WhenBuilding(() => Invite(Nl, "XX-NOBODY")).ThenRejected(StatusCode.NotFound, "co_lead_unit");
        DeciderSpec.WhenBuilding(() => InviteCoLead.From(new InviteCoLeadRequest { CommandId = NewCommandId(), CoLeadUnit = "BE-FCCU" }, Nl, On(CaseId), Units, Options))
            .ThenRejected(StatusCode.InvalidArgument, "reason");
        Invited().When(Invite(Nl, "BE-FCCU")).ThenRejected(StatusCode.FailedPrecondition, "CO_LEAD_INVITATION_OPEN");
        Joint().When(Invite(Nl, "BE-FCCU")).ThenRejected(StatusCode.FailedPrecondition, "ALREADY_CO_LEAD");
        // A co-lead does not invite: only the owner does.
        Joint().When(Invite(Be, "CA-RCMP-NCECC")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.Given(Opened(CaseId, Nl), new CaseClosed(CaseId, Text(CaseId, "done"))).When(Invite(Nl, "BE-FCCU")).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
        // An invitation past its deadline stands no more: the owner may ask again.
        Assert.Single(Invited().When(Invite(Nl, "BE-FCCU"), at: DeciderSpec.Now.AddHours(47)).Decision!.Events);
    }

    [Fact]
    public void The_invited_unit_accepts_or_declines_with_a_reason_before_the_deadline()
    {
        Invited().When(Answer(Be, CoLeadAnswer.Accept)).Then(new CoLeadJoined(CaseId, "BE-FCCU", "NL-TBKK"));
        Invited().When(Answer(Be, CoLeadAnswer.Decline, "no capacity")).Then(new CoLeadInvitationDeclined(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "no capacity")));
        DeciderSpec.WhenBuilding(() => Answer(Be, CoLeadAnswer.Decline)).ThenRejected(StatusCode.InvalidArgument, "reason");
        DeciderSpec.WhenBuilding(() => Answer(Be, CoLeadAnswer.Unspecified)).ThenRejected(StatusCode.InvalidArgument, "answer");
        Invited().When(Answer(Ca, CoLeadAnswer.Accept)).ThenRejected(StatusCode.PermissionDenied, "NOT_INVITED");
        Invited().When(Answer(Nl, CoLeadAnswer.Accept)).ThenRejected(StatusCode.PermissionDenied, "NOT_INVITED");
        Invited().When(Answer(Be, CoLeadAnswer.Accept), at: DeciderSpec.Now.AddHours(47)).ThenRejected(StatusCode.PermissionDenied, "NOT_INVITED");
        Joint().When(Answer(Be, CoLeadAnswer.Accept)).ThenRejected(StatusCode.FailedPrecondition, "ALREADY_CO_LEAD");
        Invited().And(new CaseClosed(CaseId, Text(CaseId, "done"))).When(Answer(Be, CoLeadAnswer.Accept)).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
    }

    [Fact]
    public void A_co_lead_adds_identifiers_that_correlate_as_the_cases_and_is_counted_what_its_own_feed_will_say()
    {
        var theirs = Opened(Other, Ca, Tlp.Amber, "BE-FCCU");
        var spec = Joint().And(theirs, Added(Other, "offender@example.com"));
        var joint = CaseParty.Of(Fold(Opened(CaseId, Nl, Tlp.Red), new CoLeadJoined(CaseId, "BE-FCCU", "NL-TBKK")));
        var outcome = spec.When(Add(CaseId, Be, Email("offender@example.com")))
            .Then(Added(CaseId, "offender@example.com"),
                new CorrelationFound(MatchKey("email:offender@example.com"), IdentifierKind.EmailAddress, joint, CaseParty.Of(Fold(theirs))));
        var result = outcome.Result<CommandResult>();
        // CA's AMBER case lists BE, so BE's feed will say it (the owner's would not: the case does not list NL).
        Assert.Equal((1, "BE-FCCU"), (result.Correlations, result.Identifier.AddedByUnit));
        Assert.Equal(["BE-FCCU"], joint.CoLeadUnits!);
    }

    [Fact]
    public void A_co_lead_links_victims_of_its_own_and_its_references_are_its_own()
    {
        var link = Link(Be, "V-1");
        Joint().When(link).Then(Linked(CaseId, link.NewLinkId, "V-1", AgeBand.From13To15, "BE", linkedByCoLead: "BE-FCCU"));
        // The owner's V-1 is another victim than the co-lead's V-1 (each unit's own system names them).
        var owners = Link(Nl, "V-1");
        Joint().And(Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "BE", linkedByCoLead: "BE-FCCU")).When(owners)
            .Then(Linked(CaseId, owners.NewLinkId, "V-1", AgeBand.From13To15, "BE"));
        Invited().When(Link(Be, "V-1")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }

    [Fact]
    public void Only_the_owner_erases_a_victim_link_even_one_its_co_lead_linked()
    {
        var theirs = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "BE", linkedByCoLead: "BE-FCCU");
        EraseVictimLink Erase(Caller by) => EraseVictimLink.From(new EraseVictimLinkRequest
        {
            CommandId = NewCommandId(), VictimLinkId = theirs.VictimLinkId.ToString(), LegalBasis = Contracts.V1.ErasureBasis.UnlawfulProcessing, Reason = "mistake",
        }, by, On(CaseId));
        Joint().And(theirs).When(Erase(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Joint().And(theirs).When(Erase(Nl))
            .Then(new VictimLinkErased(CaseId, theirs.VictimLinkId, theirs.Subject, "BE", Hub.Erasure.ErasureBasis.UnlawfulProcessing, "mistake"));
    }

    [Fact]
    public void A_co_lead_s_reference_erased_is_linked_anew_and_the_owner_s_same_reference_stays_its_own()
    {
        var theirs = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "BE", linkedByCoLead: "BE-FCCU");
        var erased = new VictimLinkErased(CaseId, theirs.VictimLinkId, theirs.Subject, "BE", Hub.Erasure.ErasureBasis.CourtOrder, "order");
        var again = Link(Be, "V-1");
        Joint().And(theirs, erased).When(again).Then(Linked(CaseId, again.NewLinkId, "V-1", AgeBand.From13To15, "BE", linkedByCoLead: "BE-FCCU"));
        // Not erased, the co-lead's own V-1 is the same victim.
        var outcome = Joint().And(theirs).When(Link(Be, "V-1")).Then();
        Assert.Equal(theirs.VictimLinkId.ToString(), outcome.Result<CommandResult>().VictimLinkId);
    }

    [Fact]
    public void A_co_lead_retracts_only_its_own_identifiers_the_owner_any()
    {
        var key = MatchKey("email:a@example.com");
        var ownersIdentifier = Joint().And(Added(CaseId, "a@example.com"));
        ownersIdentifier.When(Retract(CaseId, Be, key)).ThenRejected(StatusCode.PermissionDenied, "NOT_OWN_IDENTIFIER");
        var coLeadsIdentifier = Joint().AndBy(Be, Added(CaseId, "a@example.com"));
        Assert.IsType<SuspectIdentifierRetracted>(Assert.Single(coLeadsIdentifier.When(Retract(CaseId, Be, key)).Decision!.Events));
        Assert.IsType<SuspectIdentifierRetracted>(Assert.Single(coLeadsIdentifier.When(Retract(CaseId, Nl, key)).Decision!.Events));
    }

    [Fact]
    public void Only_the_owner_closes_hands_off_and_invites()
    {
        Joint().When(CloseCase.From(new CloseCaseRequest { CommandId = NewCommandId(), Reason = "done" }, Be, On(CaseId)))
            .ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Joint().When(RequestHandoff.From(new RequestHandoffRequest { CommandId = NewCommandId(), TargetUnit = "BE-FCCU", Reason = "r" }, Be, On(CaseId), Units, Options))
            .ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }

    [Fact]
    public void A_co_lead_leaves_or_the_owner_removes_it()
    {
        Joint().When(Leave(Be)).Then(new CoLeadLeft(CaseId, "BE-FCCU", "BE-FCCU", "NL-TBKK", Text(CaseId, "our part is done")));
        Joint().When(Leave(Be, "BE-FCCU")).Then(new CoLeadLeft(CaseId, "BE-FCCU", "BE-FCCU", "NL-TBKK", Text(CaseId, "our part is done")));
        Joint().When(Leave(Nl, "BE-FCCU")).Then(new CoLeadLeft(CaseId, "BE-FCCU", "NL-TBKK", "NL-TBKK", Text(CaseId, "our part is done")));
        // Ending one's view is allowed on a closed case too.
        Joint().And(new CaseClosed(CaseId, Text(CaseId, "done"))).When(Leave(Be)).Then(new CoLeadLeft(CaseId, "BE-FCCU", "BE-FCCU", "NL-TBKK", Text(CaseId, "our part is done")));
        Joint().When(Leave(Nl)).ThenRejected(StatusCode.InvalidArgument, "co_lead_unit");
        Joint().When(Leave(Nl, "CA-RCMP-NCECC")).ThenRejected(StatusCode.NotFound, "co_lead_unit");
        Invited().When(Leave(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CO_LEAD");
        Joint().And(new CoLeadInvited(CaseId, "NL-TBKK", "CA-RCMP-NCECC", Text(CaseId, "r"), DeciderSpec.Now.AddHours(1)), new CoLeadJoined(CaseId, "CA-RCMP-NCECC", "NL-TBKK"))
            .When(Leave(Be, "CA-RCMP-NCECC")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.WhenBuilding(() => LeaveCase.From(new LeaveCaseRequest { CommandId = NewCommandId() }, Be, On(CaseId))).ThenRejected(StatusCode.InvalidArgument, "reason");
        // Gone: it adds no more.
        Joint().And(new CoLeadLeft(CaseId, "BE-FCCU", "BE-FCCU", "NL-TBKK", Text(CaseId, "done"))).When(Add(CaseId, Be, Email("a@example.com")))
            .ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }

    [Fact]
    public void The_owner_withdraws_an_invitation_not_yet_answered()
    {
        Invited().When(Leave(Nl, "BE-FCCU")).Then(new CoLeadInvitationWithdrawn(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "our part is done")));
        // Only the owner, and only while it is pending: an answered or expired one is no longer there to withdraw.
        Invited().When(Leave(Ca, "BE-FCCU")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Invited().And(new CoLeadInvitationDeclined(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "no capacity"))).When(Leave(Nl, "BE-FCCU")).ThenRejected(StatusCode.NotFound, "co_lead_unit");
        Invited().And(new CoLeadInvitationWithdrawn(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "r"))).When(Leave(Nl, "BE-FCCU")).ThenRejected(StatusCode.NotFound, "co_lead_unit");
        DeciderSpec.Given(Opened(CaseId, Nl), new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "r"), DeciderSpec.Now.AddHours(-1)))
            .When(Leave(Nl, "BE-FCCU")).ThenRejected(StatusCode.NotFound, "co_lead_unit");
        // Withdrawn, it can no longer be accepted; a new invitation may follow.
        Invited().And(new CoLeadInvitationWithdrawn(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "r"))).When(Answer(Be, CoLeadAnswer.Accept)).ThenRejected(StatusCode.PermissionDenied, "NOT_INVITED");
        Invited().And(new CoLeadInvitationWithdrawn(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "r"))).When(Invite(Nl, "BE-FCCU"))
            .Then(new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "joint investigation"), DeciderSpec.Now.AddHours(48)));
    }

    [Fact]
    public void A_co_lead_sees_the_whole_case_an_invited_unit_what_a_handoff_target_sees_and_a_unit_that_left_nothing()
    {
        var invited = Fold(Opened(CaseId, Nl, Tlp.Red), new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "r"), DeciderSpec.Now.AddHours(1)));
        Assert.Equal(CaseView.WithoutVictims, CaseVisibility.Of(invited, Be, DeciderSpec.Now));
        Assert.Equal(CaseView.None, CaseVisibility.Of(invited, Be, DeciderSpec.Now.AddHours(1)));
        Assert.Equal(CaseView.None, CaseVisibility.Of(CaseFile.Evolve(invited, new CaseClosed(CaseId, Text(CaseId, "done")), DeciderSpec.Now)!, Be, DeciderSpec.Now));
        Assert.Equal(CaseView.None, CaseVisibility.Of(invited, Ca, DeciderSpec.Now));
        var joint = CaseFile.Evolve(invited, new CoLeadJoined(CaseId, "BE-FCCU", "NL-TBKK"), DeciderSpec.Now)!;
        Assert.Equal(CaseView.Full, CaseVisibility.Of(joint, Be, DeciderSpec.Now.AddDays(30)));
        Assert.Equal(Hub.CoLeads.CoLeadInvitationStatus.Accepted, Assert.Single(joint.CoLeadInvitations).Status);
        var left = CaseFile.Evolve(joint, new CoLeadLeft(CaseId, "BE-FCCU", "BE-FCCU", "NL-TBKK", Text(CaseId, "done")), DeciderSpec.Now)!;
        Assert.Equal(CaseView.None, CaseVisibility.Of(left, Be, DeciderSpec.Now));
        // A co-lead that takes the case over leads it alone.
        var handoff = Guid.NewGuid();
        var handed = Fold(Opened(CaseId, Nl), new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "r"), DeciderSpec.Now.AddHours(1)), new CoLeadJoined(CaseId, "BE-FCCU", "NL-TBKK"),
            new HandoffRequested(CaseId, handoff, "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), DeciderSpec.Now.AddHours(1)), new HandoffAccepted(CaseId, handoff, "NL-TBKK", "BE-FCCU", "BE"));
        Assert.Equal(("BE-FCCU", 0), (handed.OwnerUnit, handed.CoLeads.Count));
        Assert.Equal(CaseView.None, CaseVisibility.Of(handed, Nl, DeciderSpec.Now));
    }

    [Fact]
    public void A_retraction_reaches_the_co_leads_of_the_other_case_too()
    {
        var key = MatchKey("email:a@example.com");
        var theirs = Opened(Other, Ca, Tlp.Green);
        var outcome = DeciderSpec.Given(theirs, Added(Other, "a@example.com"),
                new CoLeadInvited(Other, "CA-RCMP-NCECC", "BE-FCCU", Text(Other, "r"), DeciderSpec.Now.AddHours(1)), new CoLeadJoined(Other, "BE-FCCU", "CA-RCMP-NCECC"),
                Opened(CaseId, Nl), Added(CaseId, "a@example.com"),
                new CorrelationFound(key, IdentifierKind.EmailAddress, CaseParty.Of(Fold(Opened(CaseId, Nl))), CaseParty.Of(Fold(theirs))))
            .When(Retract(CaseId, Nl, key));
        var retraction = Assert.IsType<CorrelationRetracted>(outcome.Decision!.Events[1]);
        Assert.Equal([new CorrelationRetracted.Recipient("CA-RCMP-NCECC", Other), new CorrelationRetracted.Recipient("BE-FCCU", Other)], retraction.Recipients);
    }

    private static CaseFile Fold(params object[] events)
    {
        CaseFile? file = null;
        foreach (var e in events) file = CaseFile.Evolve(file, e, DeciderSpec.Now);
        return file!;
    }
}
