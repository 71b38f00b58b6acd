using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Victims;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using AgeBand = EvidenceHub.Hub.Victims.AgeBand;

namespace EvidenceHub.Tests.Deciders;

public sealed class VictimDeciderTests
{
    private static readonly Guid CaseId = Guid.NewGuid();

    private static LinkVictim Link(Caller by, string reference = "V-0412-01", string contactedBy = "", CaseLimits? limits = null, Google.Type.Date? firstContact = null) =>
        LinkVictim.From(new LinkVictimRequest
        {
            CommandId = NewCommandId(), VictimReference = reference, AgeBand = Contracts.V1.AgeBand._13To15, Country = "nl", ContactedBy = contactedBy,
            FirstContactDate = firstContact ?? new Google.Type.Date { Year = 2025, Month = 2, Day = 11 },
        }, by, On(CaseId), DeciderSpec.Now, limits ?? new CaseLimits(), Pseudonyms);

    [Fact]
    public void The_owner_links_a_pseudonymous_victim()
    {
        var link = Link(Nl);
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl)).When(link)
            .Then(Linked(CaseId, link.NewLinkId, "V-0412-01", AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11)));
        Assert.Equal(link.NewLinkId.ToString(), outcome.Result<CommandResult>().VictimLinkId);
    }

    [Fact]
    public void A_victim_linked_again_is_the_same_victim()
    {
        var earlier = Guid.NewGuid();
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl), Linked(CaseId, earlier, "V-0412-01", AgeBand.From13To15, "NL"))
            .When(Link(Nl)).Then();
        Assert.Equal(earlier.ToString(), outcome.Result<CommandResult>().VictimLinkId);
    }

    [Fact]
    public void The_identifier_that_made_contact_must_be_the_cases()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Link(Nl, contactedBy: "email:offender@example.com")).ThenRejected(StatusCode.InvalidArgument, "contacted_by");
        var link = Link(Nl, contactedBy: "email:offender@example.com");
        DeciderSpec.Given(Opened(CaseId, Nl), Added(CaseId, "offender@example.com")).When(link)
            .Then(Linked(CaseId, link.NewLinkId, "V-0412-01", AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11), "email:offender@example.com"));
    }

    [Fact]
    public void Only_the_owner_links_victims_up_to_the_configured_limit()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Link(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.Given(Opened(CaseId, Nl), Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL"))
            .When(Link(Nl, "V-2", limits: new CaseLimits { MaxVictimLinks = 1 })).ThenRejected(StatusCode.FailedPrecondition, CaseLimitReached.VictimLinkReason);
    }

    [Fact]
    public void A_first_contact_in_the_future_is_bad_input() =>
        DeciderSpec.WhenBuilding(() => Link(Nl, firstContact: new Google.Type.Date { Year = 2026, Month = 3, Day = 5 }))
            .ThenRejected(StatusCode.InvalidArgument, "first_contact_date");

    private static EraseVictimLink Erase(Caller by, Guid linkId, Contracts.V1.ErasureBasis basis = Contracts.V1.ErasureBasis.UnlawfulProcessing, string reason = "linked to the wrong case") =>
        EraseVictimLink.From(new EraseVictimLinkRequest
        {
            CommandId = NewCommandId(), VictimLinkId = linkId.ToString(), LegalBasis = basis, Reason = reason,
        }, by, On(CaseId));

    [Fact]
    public void The_owner_erases_a_victim_link_with_its_legal_basis()
    {
        var linked = Linked(CaseId, Guid.NewGuid(), "V-0412-01", AgeBand.From13To15, "NL");
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl), linked).When(Erase(Nl, linked.VictimLinkId))
            .Then(new VictimLinkErased(CaseId, linked.VictimLinkId, linked.Subject, "NL", Hub.Erasure.ErasureBasis.UnlawfulProcessing, "linked to the wrong case"));
        Assert.Equal(linked.VictimLinkId.ToString(), outcome.Result<CommandResult>().VictimLinkId);
        // The event names the link's own subject: that key, and only that one, is destroyed with it.
        Assert.Equal(linked.Subject, ((VictimLinkErased)outcome.Decision!.Events[0]).Subject);
    }

    [Fact]
    public void A_closed_case_may_still_be_erased_from_and_an_erased_link_is_erased_once()
    {
        var linked = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL");
        var closed = DeciderSpec.Given(Opened(CaseId, Nl), linked, new CaseClosed(CaseId, Text(CaseId, "convicted")));
        closed.When(Erase(Nl, linked.VictimLinkId, Contracts.V1.ErasureBasis.RetentionExpired)).Then(
            new VictimLinkErased(CaseId, linked.VictimLinkId, linked.Subject, "NL", Hub.Erasure.ErasureBasis.RetentionExpired, "linked to the wrong case"));
        closed.And(new VictimLinkErased(CaseId, linked.VictimLinkId, linked.Subject, "NL", Hub.Erasure.ErasureBasis.RetentionExpired, "x"))
            .When(Erase(Nl, linked.VictimLinkId)).Then();
    }

    [Fact]
    public void Only_the_owner_erases_and_only_a_link_of_the_case()
    {
        var linked = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL");
        var given = DeciderSpec.Given(Opened(CaseId, Nl), linked);
        given.When(Erase(Be, linked.VictimLinkId)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        // Another unit is refused before the link is looked up: it cannot probe which link ids exist.
        given.When(Erase(Be, Guid.NewGuid())).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        given.When(Erase(Nl, Guid.NewGuid())).ThenRejected(StatusCode.NotFound, "victim_link_id");
    }

    [Fact]
    public void An_erasure_names_its_link_its_basis_and_its_reason() =>
        Assert.All(new Func<Command>[]
        {
            () => Erase(Nl, Guid.Empty),
            () => Erase(Nl, Guid.NewGuid(), Contracts.V1.ErasureBasis.Unspecified),
            () => Erase(Nl, Guid.NewGuid(), (Contracts.V1.ErasureBasis)99),
            () => Erase(Nl, Guid.NewGuid(), reason: " "),
        }.Zip(["victim_link_id", "legal_basis", "legal_basis", "reason"]), c => DeciderSpec.WhenBuilding(c.First).ThenRejected(StatusCode.InvalidArgument, c.Second));

    [Fact]
    public void A_reference_linked_again_after_its_erasure_is_a_new_link_and_erased_links_do_not_count()
    {
        var linked = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL");
        var link = Link(Nl, "V-1", limits: new CaseLimits { MaxVictimLinks = 1 });
        DeciderSpec.Given(Opened(CaseId, Nl), linked, new VictimLinkErased(CaseId, linked.VictimLinkId, linked.Subject, "NL", Hub.Erasure.ErasureBasis.CourtOrder, "x"))
            .When(link).Then(Linked(CaseId, link.NewLinkId, "V-1", AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11)));
    }

    private static VictimLinkErased Erased(VictimLinked linked, string? country = null) =>
        new(CaseId, linked.VictimLinkId, linked.Subject, country ?? linked.Country, Hub.Erasure.ErasureBasis.CourtOrder, "order 12");

    private static DataRestricted Restricted(VictimLinked linked) =>
        new(CaseId, new RestrictedData(RestrictionScope.VictimLink, VictimLinkId: linked.VictimLinkId), Text(CaseId, "accuracy contested"), "LED Art. 16(3)(a)",
            CaseParty.Of(CaseFile.Evolve(null, Opened(CaseId, Nl), DeciderSpec.Now)!), [], linked.Country);

    [Fact]
    public void An_erased_link_is_neither_corrected_regraded_restricted_nor_lifted()
    {
        var linked = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL");
        var link = linked.VictimLinkId.ToString();
        var erased = DeciderSpec.Given(Opened(CaseId, Nl), linked, Erased(linked));
        erased.When(CorrectVictimLink.From(new CorrectVictimLinkRequest { CommandId = NewCommandId(), VictimLinkId = link, Country = "BE", Reason = "typo" },
            Nl, On(CaseId), DeciderSpec.Now, Pseudonyms)).ThenRejected(StatusCode.FailedPrecondition, "VICTIM_LINK_ERASED");
        erased.When(RegradeData.From(new RegradeDataRequest
        {
            CommandId = NewCommandId(), VictimLinkId = link, Grading = new Contracts.V1.Grading { SourceReliability = Contracts.V1.SourceReliability.B }, Reason = "confirmed",
        }, Nl, On(CaseId), Pseudonyms)).ThenRejected(StatusCode.FailedPrecondition, "VICTIM_LINK_ERASED");
        erased.When(RestrictData.From(new RestrictDataRequest { CommandId = NewCommandId(), VictimLinkId = link, Reason = "contested", LegalBasis = "LED Art. 16(3)(a)" },
            Nl, On(CaseId))).ThenRejected(StatusCode.FailedPrecondition, "VICTIM_LINK_ERASED");
        // Restricted, then erased: lifting would count a link that is gone.
        DeciderSpec.Given(Opened(CaseId, Nl), linked, Restricted(linked), Erased(linked))
            .When(LiftRestriction.From(new LiftRestrictionRequest { CommandId = NewCommandId(), VictimLinkId = link, Reason = "settled" }, Nl, On(CaseId), new CorrelationOptions(), Pseudonyms))
            .ThenRejected(StatusCode.FailedPrecondition, "VICTIM_LINK_ERASED");
        // The same link not erased takes each of them.
        DeciderSpec.Given(Opened(CaseId, Nl), linked).When(RestrictData.From(
            new RestrictDataRequest { CommandId = NewCommandId(), VictimLinkId = link, Reason = "contested", LegalBasis = "LED Art. 16(3)(a)" }, Nl, On(CaseId)))
            .Then(Restricted(linked) with { Reason = Text(CaseId, "contested") });
    }

    [Fact]
    public void A_correction_that_states_the_contacting_identifier_the_link_has_is_no_change()
    {
        var linked = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL", contactedBy: "email:offender@example.com");
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl), Added(CaseId, "offender@example.com"), linked)
            .When(CorrectVictimLink.From(new CorrectVictimLinkRequest
            {
                CommandId = NewCommandId(), VictimLinkId = linked.VictimLinkId.ToString(), ContactedBy = "email:offender@example.com", Reason = "checked",
            }, Nl, On(CaseId), DeciderSpec.Now, Pseudonyms)).Then();
        // Its receipt is about the link: erasing the link drops the request's fingerprint.
        Assert.Equal(linked.Subject, outcome.Decision!.Subject);
    }

    [Fact]
    public void Victim_counts_drop_once_for_a_link_restricted_then_erased_and_follow_a_corrected_country()
    {
        VictimLinked a = Linked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL"), b = Linked(CaseId, Guid.NewGuid(), "V-2", AgeBand.Under13, "NL"),
            c = Linked(CaseId, Guid.NewGuid(), "V-3", AgeBand.Under13, "BE");
        var summary = new CaseSummary();
        foreach (var linked in new[] { a, b, c }) summary.Apply(linked);
        summary.Apply(Restricted(a));
        Assert.Equal(new Dictionary<string, int> { ["NL"] = 1, ["BE"] = 1 }, summary.VictimsByCountry);
        // A restricted link counts nowhere, so correcting its country moves nothing, and erasing it subtracts nothing.
        summary.Apply(new VictimLinkCorrected(CaseId, a.VictimLinkId, new VictimDetails(AgeBand.Under13, "NL", null, null), new VictimDetails(AgeBand.Under13, "BE", null, null), LinkText(CaseId, a.VictimLinkId, "typo")));
        summary.Apply(Erased(a, "BE"));
        Assert.Equal(new Dictionary<string, int> { ["NL"] = 1, ["BE"] = 1 }, summary.VictimsByCountry);
        // A counted link: its correction moves its count, its erasure drops it.
        summary.Apply(new VictimLinkCorrected(CaseId, c.VictimLinkId, new VictimDetails(AgeBand.Under13, "BE", null, null), new VictimDetails(AgeBand.Under13, "DE", null, null), LinkText(CaseId, c.VictimLinkId, "typo")));
        summary.Apply(Erased(b));
        Assert.Equal(new Dictionary<string, int> { ["DE"] = 1 }, summary.VictimsByCountry);
        Assert.Empty(summary.RestrictedVictimLinks);
    }
}
