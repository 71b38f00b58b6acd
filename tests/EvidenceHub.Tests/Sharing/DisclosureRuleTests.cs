using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Tests.Sharing;

/// The one set of disclosure rules, without a database.
public sealed class DisclosureRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static CaseParty Case(Tlp tlp, params string[] partners) =>
        new(Guid.NewGuid(), "NL-TBKK", "NL", "NL-2026-1", tlp, HandlingCode.H2, null, partners);

    [Theory]
    [InlineData(Tlp.Clear, DisclosureLevel.Summary)]
    [InlineData(Tlp.Green, DisclosureLevel.Summary)]
    [InlineData(Tlp.Amber, DisclosureLevel.None)]
    [InlineData(Tlp.AmberStrict, DisclosureLevel.None)]
    [InlineData(Tlp.Red, DisclosureLevel.None)]
    public void A_unit_the_case_does_not_list(Tlp tlp, DisclosureLevel expected) =>
        Assert.Equal(expected, CaseDisclosure.Of(Case(tlp, "US-HSI-C3"), new Recipient("BE-FCCU")));

    [Theory]
    [InlineData(Tlp.Clear, DisclosureLevel.Summary)]
    [InlineData(Tlp.Green, DisclosureLevel.Summary)]
    [InlineData(Tlp.Amber, DisclosureLevel.Contact)]
    [InlineData(Tlp.AmberStrict, DisclosureLevel.Contact)]
    [InlineData(Tlp.Red, DisclosureLevel.None)]
    public void A_unit_the_case_lists(Tlp tlp, DisclosureLevel expected) =>
        Assert.Equal(expected, CaseDisclosure.Of(Case(tlp, "BE-FCCU"), new Recipient("BE-FCCU")));

    [Theory]
    [InlineData(Tlp.Clear)]
    [InlineData(Tlp.Amber)]
    [InlineData(Tlp.Red)]
    public void The_owner_and_auditors_always_see_the_summary(Tlp tlp)
    {
        Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(Case(tlp), new Recipient("NL-TBKK")));
        Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(Case(tlp), new Recipient("EU-AUDIT", Auditor: true)));
    }

    [Fact]
    public void The_target_of_a_pending_handoff_sees_the_summary_until_its_deadline()
    {
        var red = Case(Tlp.Red);
        var handoff = new PendingHandoff(Guid.NewGuid(), "BE-FCCU", Now.AddHours(1));
        Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(red, new Recipient("BE-FCCU"), handoff, Now));
        Assert.Equal(DisclosureLevel.None, CaseDisclosure.Of(red, new Recipient("BE-FCCU"), handoff, Now.AddHours(1)));
        Assert.Equal(DisclosureLevel.None, CaseDisclosure.Of(red, new Recipient("CA-RCMP-NCECC"), handoff, Now));
        Assert.Equal(DisclosureLevel.None, CaseDisclosure.Of(red, new Recipient("BE-FCCU"), null, Now));
    }

    [Theory]
    [InlineData(Tlp.Clear)]
    [InlineData(Tlp.Amber)]
    [InlineData(Tlp.Red)]
    public void A_co_lead_sees_the_summary_as_the_owner_does_and_an_invited_unit_until_the_deadline(Tlp tlp)
    {
        var joint = Case(tlp) with { CoLeadUnits = ["BE-FCCU"] };
        Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(joint, new Recipient("BE-FCCU")));
        Assert.Equal(CaseDisclosure.Of(Case(tlp), new Recipient("CA-RCMP-NCECC")), CaseDisclosure.Of(joint, new Recipient("CA-RCMP-NCECC")));
        // A unit that left is listed no more: it learns what the policy gives any unit.
        Assert.Equal(CaseDisclosure.Of(Case(tlp), new Recipient("BE-FCCU")), CaseDisclosure.Of(joint with { CoLeadUnits = null }, new Recipient("BE-FCCU")));
        PendingInvitation[] invited = [new("CA-RCMP-NCECC", Now.AddHours(1))];
        Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(joint, new Recipient("CA-RCMP-NCECC"), null, Now, invited));
        Assert.Equal(CaseDisclosure.Of(Case(tlp), new Recipient("CA-RCMP-NCECC")),
            CaseDisclosure.Of(joint, new Recipient("CA-RCMP-NCECC"), null, Now.AddHours(1), invited));
    }

    [Fact]
    public void A_restricted_case_or_identifier_discloses_nothing_but_to_its_owner_and_auditors()
    {
        var handoff = new PendingHandoff(Guid.NewGuid(), "BE-FCCU", Now.AddHours(1));
        foreach (var restricted in new[] { Case(Tlp.Clear, "BE-FCCU") with { Restricted = true }, Case(Tlp.Clear, "BE-FCCU") })
        {
            var identifierRestricted = !restricted.Restricted;
            Assert.Equal(DisclosureLevel.None, CaseDisclosure.Of(restricted, new Recipient("BE-FCCU"), handoff, Now, identifierRestricted: identifierRestricted));
            Assert.Equal(DisclosureLevel.None, CaseDisclosure.Of(restricted, new Recipient("CA-RCMP-NCECC"), null, Now, identifierRestricted: identifierRestricted));
            Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(restricted, new Recipient("NL-TBKK"), null, Now, identifierRestricted: identifierRestricted));
            Assert.Equal(DisclosureLevel.Summary, CaseDisclosure.Of(restricted, new Recipient("EU-AUDIT", Auditor: true), null, Now, identifierRestricted: identifierRestricted));
        }
    }

    [Fact]
    public void A_handoff_is_pending_until_it_is_answered_cancelled_expired_or_the_case_closed()
    {
        var handoff = new CaseHandoff(Guid.NewGuid(), "NL-TBKK", "BE-FCCU", Deciders.Sample.Text(Guid.NewGuid(), "r"), HandoffStatus.Requested, Now, null, null, Now.AddHours(48));
        var file = new CaseFile { Id = Guid.NewGuid(), OwnerUnit = "NL-TBKK", Status = CaseStatus.Open, Handoffs = [handoff] };
        Assert.Equal(handoff, file.PendingHandoffAt(Now.AddHours(47)));
        Assert.Equal(HandoffStatus.Expired, handoff.StatusAt(Now.AddHours(48)));
        Assert.Null(file.PendingHandoffAt(Now.AddHours(48)));
        Assert.Null((file with { Status = CaseStatus.Closed }).PendingHandoffAt(Now));
        // A request recorded before handoffs had deadlines reads as expired: it grants nothing.
        Assert.Equal(HandoffStatus.Expired, (handoff with { ExpiresAt = default }).StatusAt(Now));
    }
}
