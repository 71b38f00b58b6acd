using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using static EvidenceHub.Tests.Infrastructure.Commands;
using ErasureBasis = EvidenceHub.Contracts.V1.ErasureBasis;

namespace EvidenceHub.Tests.Erasure;

/// The partners and units that learned of a case only from lookup and network answers (the access log's disclosed
/// cases) are told when it is erased, narrowed or loses an identifier, each once, naming what it may no longer use in
/// terms it can read: an identifier it asked about by value is named by that value in a narrowing notice; what it never
/// told the hub (a network walk's other identifiers), and anything of an erased holding, by the pseudonym only.
[Collection(FeedHub.Name)]
public sealed class LookupRecipientTests(HubFixture hub)
{
    private const string Partner = "US-HSI-C3";
    private const string OtherPartner = "CA-RCMP-NCECC";
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private static readonly Justification Why = new() { Purpose = "sextortion investigation" };

    private async Task<Dictionary<string, long>> Positions(params string[] units)
    {
        await hub.ProjectionsCaughtUp();
        var positions = new Dictionary<string, long>();
        foreach (var unit in units) positions[unit] = await hub.Feed(unit).LastPosition();
        return positions;
    }

    /// A GREEN case of NL-TBKK holding two e-mail addresses: the partner looks up the first (twice), the other
    /// partner the second; the keys as the owner reads them.
    private async Task<(string CaseId, string Reference, string First, string Second, string FirstEmail)> LookedUpCase()
    {
        var (first, second) = (Unique.Email(), Unique.Email());
        var open = OpenCase(tlp: Tlp.Green);
        var caseId = (await nl.OpenCaseAsync(open)).CaseId;
        var firstKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, first))).Identifier.Key;
        var secondKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, second))).Identifier.Key;
        for (var i = 0; i < 2; i++)
            Assert.True((await hub.Lookups(Partner).LookupAsync(new LookupRequest { Identifier = Raw(first), Justification = Why })).Hit);
        Assert.True((await hub.Lookups(OtherPartner).LookupAsync(new LookupRequest { Identifier = Raw(second), Justification = Why })).Hit);
        return (caseId, open.Reference, firstKey, secondKey, first);
    }

    [Fact]
    public async Task Erasing_a_case_tells_each_partner_whose_lookup_disclosed_it_once_by_what_it_looked_up()
    {
        var (caseId, reference, first, second, _) = await LookedUpCase();
        var before = await Positions(Partner, OtherPartner, "BE-FCCU");

        await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, LegalBasis = ErasureBasis.CourtOrder, Reason = "court order 2026/91" });

        var toPartner = Assert.Single(await hub.FeedAfter(Partner, before[Partner])).CaseErased;
        Assert.Equal(("NL-TBKK", reference, ErasureBasis.CourtOrder), (toPartner.OwnerUnit, toPartner.CaseReference, toPartner.LegalBasis));
        // Its values are destroyed with the case: the identifier is named by its pseudonym, beside the case the answer named.
        Assert.Equal([HubFixture.Pseudonyms.Of(first)], toPartner.IdentifierKeys);
        Assert.Empty(toPartner.YourCaseIds);
        var toOther = Assert.Single(await hub.FeedAfter(OtherPartner, before[OtherPartner])).CaseErased;
        Assert.Equal([HubFixture.Pseudonyms.Of(second)], toOther.IdentifierKeys);
        // A unit that learned nothing of it is told nothing.
        Assert.Empty(await hub.FeedAfter("BE-FCCU", before["BE-FCCU"]));
    }

    [Fact]
    public async Task Erasing_an_identifier_tells_the_partners_that_looked_that_identifier_up_and_nobody_else()
    {
        var (caseId, reference, first, _, _) = await LookedUpCase();
        var before = await Positions(Partner, OtherPartner);

        await nl.EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = caseId, IdentifierKey = first, LegalBasis = ErasureBasis.UnlawfulProcessing, Reason = "collected unlawfully",
        });

        var notice = Assert.Single(await hub.FeedAfter(Partner, before[Partner])).Erasure;
        Assert.Equal((HubFixture.Pseudonyms.Of(first), "NL-TBKK", reference, ""), (notice.IdentifierKey, notice.ErasingUnit, notice.ErasingCaseReference, notice.YourCaseId));
        // The other partner looked up another identifier of the case, which stays.
        Assert.Empty(await hub.FeedAfter(OtherPartner, before[OtherPartner]));
    }

    [Fact]
    public async Task A_narrowing_notice_names_by_value_what_its_recipient_asked_by_value_and_nothing_else()
    {
        var (caseId, _, first, second, firstEmail) = await LookedUpCase();
        // The partner's network walk from the value it knows shows it the case's other identifier too, by pseudonym.
        var network = await hub.Lookups(Partner).GetNetworkAsync(new GetNetworkRequest { Identifier = Raw(firstEmail), Justification = Why });
        Assert.Contains(HubFixture.Pseudonyms.Of(second), network.Identifiers.Select(i => i.Key));
        var before = await Positions(Partner, OtherPartner);

        await nl.ChangeSharingPolicyAsync(new ChangeSharingPolicyRequest
        {
            CommandId = NewId(), CaseId = caseId, Reason = "operation under way", SharingPolicy = new SharingPolicy { Tlp = Tlp.Red, HandlingCode = HandlingCode.H0 },
        });

        var toPartner = Assert.Single(await hub.FeedAfter(Partner, before[Partner])).SharingNarrowed;
        Assert.Equal(new[] { first, HubFixture.Pseudonyms.Of(second) }.Order(StringComparer.Ordinal), toPartner.IdentifierKeys.Order(StringComparer.Ordinal));
        Assert.Equal([second], (await hub.FeedAfter(OtherPartner, before[OtherPartner])).Single().SharingNarrowed.IdentifierKeys);
    }

    [Fact]
    public async Task Erasing_a_case_tells_a_unit_whose_items_about_it_go_with_it()
    {
        var caseId = await nl.OpenedCase(Tlp.Red);
        var start = await Positions("BE-FCCU");
        var be = hub.Cases("BE-FCCU");
        await nl.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "BE-FCCU", Reason = "join us?" });
        await be.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = caseId, Answer = CoLeadAnswer.Decline, Reason = "not ours" });
        Assert.Contains(await hub.FeedAfter("BE-FCCU", start["BE-FCCU"]), i => i.CoLead?.CaseId == caseId);

        await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, LegalBasis = ErasureBasis.CourtOrder, Reason = "court order 2026/92" });

        // Its invitation is gone from its feed: it is told why, once, not left to find it missing.
        var after = await hub.FeedAfter("BE-FCCU", start["BE-FCCU"]);
        Assert.DoesNotContain(after, i => i.CoLead?.CaseId == caseId);
        Assert.Equal("NL-TBKK", Assert.Single(after).CaseErased.OwnerUnit);
    }

    private static IdentifierQuery Raw(string email) => new() { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } };
}
