using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
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
        }, by, On(CaseId), DeciderSpec.Now, limits ?? new CaseLimits());

    [Fact]
    public void The_owner_links_a_pseudonymous_victim()
    {
        var link = Link(Nl);
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl)).When(link)
            .Then(new VictimLinked(CaseId, link.NewLinkId, "V-0412-01", AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11), null));
        Assert.Equal(link.NewLinkId.ToString(), outcome.Result<CommandResult>().VictimLinkId);
    }

    [Fact]
    public void A_victim_linked_again_is_the_same_victim()
    {
        var earlier = Guid.NewGuid();
        var outcome = DeciderSpec.Given(Opened(CaseId, Nl), new VictimLinked(CaseId, earlier, "V-0412-01", AgeBand.From13To15, "NL", null, null))
            .When(Link(Nl)).Then();
        Assert.Equal(earlier.ToString(), outcome.Result<CommandResult>().VictimLinkId);
    }

    [Fact]
    public void The_identifier_that_made_contact_must_be_the_cases()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Link(Nl, contactedBy: "email:offender@example.com")).ThenRejected(StatusCode.InvalidArgument, "contacted_by");
        var link = Link(Nl, contactedBy: "email:offender@example.com");
        DeciderSpec.Given(Opened(CaseId, Nl), Added(CaseId, "offender@example.com")).When(link)
            .Then(new VictimLinked(CaseId, link.NewLinkId, "V-0412-01", AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11), "email:offender@example.com"));
    }

    [Fact]
    public void Only_the_owner_links_victims_up_to_the_configured_limit()
    {
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Link(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.Given(Opened(CaseId, Nl), new VictimLinked(CaseId, Guid.NewGuid(), "V-1", AgeBand.Under13, "NL", null, null))
            .When(Link(Nl, "V-2", limits: new CaseLimits { MaxVictimLinks = 1 })).ThenRejected(StatusCode.FailedPrecondition, CaseLimitReached.VictimLinkReason);
    }

    [Fact]
    public void A_first_contact_in_the_future_is_bad_input() =>
        DeciderSpec.WhenBuilding(() => Link(Nl, firstContact: new Google.Type.Date { Year = 2026, Month = 3, Day = 5 }))
            .ThenRejected(StatusCode.InvalidArgument, "first_contact_date");
}
