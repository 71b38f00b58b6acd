using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using HandlingCode = EvidenceHub.Hub.Cases.HandlingCode;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using SharingPolicy = EvidenceHub.Hub.Cases.SharingPolicy;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

/// ChangeSharingPolicy decides, per recipient, with the one disclosure rule under the old policy and the new, on the
/// audience it was given (who learned what of the case: correlation notices, lookups, earlier widenings).
public sealed class SharingDeciderTests
{
    private static readonly Guid CaseId = Guid.NewGuid();
    private static readonly Guid BeCase = Guid.NewGuid();
    private static readonly string Key = MatchKey("email:offender@example.com");
    private const string Partner = "US-HSI-C3";

    private static ChangeSharingPolicy Change(Caller by, Contracts.V1.Tlp tlp, CaseAudience? audience = null, string reason = "source asked to restrict",
        Contracts.V1.HandlingCode code = Contracts.V1.HandlingCode.H1, params string[] partners) =>
        ChangeSharingPolicy.From(new ChangeSharingPolicyRequest
        {
            CommandId = NewCommandId(), Reason = reason,
            SharingPolicy = new Contracts.V1.SharingPolicy { Tlp = tlp, HandlingCode = code, PartnerUnits = { partners } },
        }, by, On(CaseId), Units, new CorrelationOptions()) with { Audience = audience ?? CaseAudience.Nobody };

    private static readonly CaseOpened Green = Opened(CaseId, Nl, Tlp.Green);
    private static string Reference => Green.Reference;
    private static SharingPolicy Policy(Tlp tlp, params string[] partners) => new(tlp, HandlingCode.H1, null, partners);

    /// BE-FCCU was told of a correlation (its case BeCase) and the partner looked the identifier up, both in summary.
    private static readonly CaseAudience ToldBeAndPartner = new(
        [new CaseAudience.Told("BE-FCCU", "NL-TBKK", DisclosureLevel.Summary, [Key], BeCase),
         new CaseAudience.Told(Partner, "NL-TBKK", DisclosureLevel.Summary, [Key], null)],
        [new CaseAudience.Standing(Key, IdentifierKind.EmailAddress, new CaseParty(BeCase, "BE-FCCU", "BE", "FCCU-1", Tlp.Green, HandlingCode.H0, null, []))]);

    [Fact]
    public void Narrowing_to_red_tells_everyone_who_learned_of_the_case_and_nobody_else()
    {
        var outcome = DeciderSpec.Given(Green).When(Change(Nl, Contracts.V1.Tlp.Red, ToldBeAndPartner)).Then(
            new SharingPolicyChanged(CaseId, Policy(Tlp.Green), Policy(Tlp.Red), Text(CaseId, "source asked to restrict")),
            new SharingNoticesSent(CaseId, Text(CaseId, "source asked to restrict"),
                [new SharingNarrowed("BE-FCCU", "NL-TBKK", Reference, [Key], [BeCase], DisclosureLevel.None, default, default, null),
                 new SharingNarrowed(Partner, "NL-TBKK", Reference, [Key], [], DisclosureLevel.None, default, default, null)],
                []));
        // For auditors: the recipients by name; the case's own event names none.
        Assert.Contains("narrowing notices to BE-FCCU (still sees None), US-HSI-C3 (still sees None)", outcome.Decision!.Record!.Disclosed);
        // The reason is free text about the case, sealed under its subject: the access record (never erased) only says
        // where it is kept.
        Assert.Equal(Hub.Sharing.ChangeSharingPolicy.SealedReasonNote, outcome.Decision.Record.Justification);
        Assert.DoesNotContain("source asked", outcome.Decision.Record.Asked + outcome.Decision.Record.Disclosed);
    }

    [Fact]
    public void Removing_a_partner_from_an_amber_case_tells_that_partner_alone()
    {
        var amber = Opened(CaseId, Nl, Tlp.Amber, "BE-FCCU", Partner);
        var audience = new CaseAudience(
            [new CaseAudience.Told("BE-FCCU", "NL-TBKK", DisclosureLevel.Contact, [Key], BeCase), new CaseAudience.Told(Partner, "NL-TBKK", DisclosureLevel.Contact, [Key], null)], []);
        DeciderSpec.Given(amber).When(Change(Nl, Contracts.V1.Tlp.Amber, audience, partners: "BE-FCCU")).Then(
            new SharingPolicyChanged(CaseId, Policy(Tlp.Amber, "BE-FCCU", Partner), Policy(Tlp.Amber, "BE-FCCU"), Text(CaseId, "source asked to restrict")),
            new SharingNoticesSent(CaseId, Text(CaseId, "source asked to restrict"),
                [new SharingNarrowed(Partner, "NL-TBKK", amber.Reference, [Key], [], DisclosureLevel.None, default, default, null)], []));
    }

    [Fact]
    public void Green_to_amber_leaves_a_listed_partner_whom_to_contact_under_the_new_terms() =>
        DeciderSpec.Given(Green).When(Change(Nl, Contracts.V1.Tlp.Amber, ToldBeAndPartner, partners: "BE-FCCU")).Then(
            new SharingPolicyChanged(CaseId, Policy(Tlp.Green), Policy(Tlp.Amber, "BE-FCCU"), Text(CaseId, "source asked to restrict")),
            new SharingNoticesSent(CaseId, Text(CaseId, "source asked to restrict"),
                [new SharingNarrowed("BE-FCCU", "NL-TBKK", Reference, [Key], [BeCase], DisclosureLevel.Contact, Tlp.Amber, HandlingCode.H1, null),
                 new SharingNarrowed(Partner, "NL-TBKK", Reference, [Key], [], DisclosureLevel.None, default, default, null)],
                []));

    [Fact]
    public void A_stricter_handling_code_is_told_to_those_who_still_see_the_case() =>
        DeciderSpec.Given(Green).When(Change(Nl, Contracts.V1.Tlp.Green, ToldBeAndPartner, code: Contracts.V1.HandlingCode.H2)).Then(
            new SharingPolicyChanged(CaseId, Policy(Tlp.Green), new SharingPolicy(Tlp.Green, HandlingCode.H2, null, []), Text(CaseId, "source asked to restrict")),
            new SharingNoticesSent(CaseId, Text(CaseId, "source asked to restrict"),
                [new SharingNarrowed("BE-FCCU", "NL-TBKK", Reference, [Key], [BeCase], DisclosureLevel.Summary, Tlp.Green, HandlingCode.H2, null),
                 new SharingNarrowed(Partner, "NL-TBKK", Reference, [Key], [], DisclosureLevel.Summary, Tlp.Green, HandlingCode.H2, null)],
                []));

    [Fact]
    public void Handling_restrictions_are_sealed_under_the_case_subject_once_for_the_policy_and_every_notice()
    {
        const string restrictions = "no contact with the platform";
        ChangeSharingPolicy Restricting() => ChangeSharingPolicy.From(new ChangeSharingPolicyRequest
        {
            CommandId = NewCommandId(), Reason = "source asked to restrict",
            SharingPolicy = new Contracts.V1.SharingPolicy { Tlp = Contracts.V1.Tlp.Green, HandlingCode = Contracts.V1.HandlingCode.H3, HandlingRestrictions = restrictions },
        }, Nl, On(CaseId), Units, new CorrelationOptions()) with { Audience = ToldBeAndPartner };
        var sealedPolicy = new SharingPolicy(Tlp.Green, HandlingCode.H3, Restrictions(CaseId, restrictions), []);
        var outcome = DeciderSpec.Given(Green).When(Restricting()).Then(
            new SharingPolicyChanged(CaseId, Policy(Tlp.Green), sealedPolicy, Text(CaseId, "source asked to restrict")),
            new SharingNoticesSent(CaseId, Text(CaseId, "source asked to restrict"),
                [new SharingNarrowed("BE-FCCU", "NL-TBKK", Reference, [Key], [BeCase], DisclosureLevel.Summary, Tlp.Green, HandlingCode.H3, Restrictions(CaseId, restrictions)),
                 new SharingNarrowed(Partner, "NL-TBKK", Reference, [Key], [], DisclosureLevel.Summary, Tlp.Green, HandlingCode.H3, Restrictions(CaseId, restrictions))],
                []));
        // Sealed (the comparison above opens what it compares, a plain text would pass it), under the case's subject,
        // and every notice carries that one ciphertext.
        var changed = Assert.IsType<SharingPolicyChanged>(outcome.Decision!.Events[0]);
        Assert.Equal((false, CaseSubjectOf(CaseId)), (changed.New.HandlingRestrictions!.IsPlain, changed.New.HandlingRestrictions.Subject));
        Assert.All(Assert.IsType<SharingNoticesSent>(outcome.Decision.Events[1]).Narrowed, n => Assert.Same(changed.New.HandlingRestrictions, n.HandlingRestrictions));
        // The access log is never erased: it says there are restrictions, not what they say.
        Assert.DoesNotContain(restrictions, outcome.Decision.Record!.Asked + outcome.Decision.Record.Disclosed + outcome.Decision.Record.Justification);
        // The same text again, sealed anew, is no change.
        DeciderSpec.Given(Green, changed).When(Restricting()).Then();
    }

    [Fact]
    public void A_case_opens_with_its_handling_restrictions_sealed_under_its_own_subject()
    {
        var open = OpenCase.From(new OpenCaseRequest
        {
            CommandId = NewCommandId(), CaseId = CaseId.ToString(), Reference = "TBKK-2026-0007", OffenceType = Contracts.V1.OffenceType.FinancialSextortion,
            SharingPolicy = new Contracts.V1.SharingPolicy { Tlp = Contracts.V1.Tlp.Amber, HandlingCode = Contracts.V1.HandlingCode.H3, HandlingRestrictions = "court file only" },
        }, Nl, Units);
        var opened = Assert.IsType<CaseOpened>(Assert.Single(DeciderSpec.Given().When(open).Decision!.Events));
        var restrictions = opened.SharingPolicy.HandlingRestrictions!;
        Assert.Equal((false, opened.TextSubject), (restrictions.IsPlain, (Guid?)restrictions.Subject));
        Assert.DoesNotContain("court file", restrictions.Ciphertext);
    }

    [Fact]
    public void A_unit_already_told_to_forget_the_case_is_never_named_it_again()
    {
        // Once GREEN (both learned it), then RED (both were told), now AMBER for BE-FCCU alone: the partner hears nothing.
        var spec = DeciderSpec.Given(Green, new SharingPolicyChanged(CaseId, Policy(Tlp.Green), Policy(Tlp.Red), Text(CaseId, "first")));
        var outcome = spec.When(Change(Nl, Contracts.V1.Tlp.Amber, ToldBeAndPartner with { Correlations = [] }, partners: "BE-FCCU"));
        outcome.Then(new SharingPolicyChanged(CaseId, Policy(Tlp.Red), Policy(Tlp.Amber, "BE-FCCU"), Text(CaseId, "source asked to restrict")));
        spec.When(Change(Nl, Contracts.V1.Tlp.Red, ToldBeAndPartner with { Correlations = [] }, reason: "again", code: Contracts.V1.HandlingCode.H2))
            .Then(new SharingPolicyChanged(CaseId, Policy(Tlp.Red), new SharingPolicy(Tlp.Red, HandlingCode.H2, null, []), Text(CaseId, "again")));
    }

    [Fact]
    public void Widening_tells_the_owner_of_a_correlated_case_it_was_not_told_of_once()
    {
        var red = Opened(CaseId, Nl, Tlp.Red);
        var other = new CaseParty(BeCase, "BE-FCCU", "BE", "FCCU-1", Tlp.Green, HandlingCode.H0, null, []);
        // BE-FCCU's notice said nothing of the RED case: its disclosure was None.
        var audience = new CaseAudience([new CaseAudience.Told("BE-FCCU", "NL-TBKK", DisclosureLevel.None, [Key], BeCase)],
            [new CaseAudience.Standing(Key, IdentifierKind.EmailAddress, other)]);
        var widenedTo = CaseParty.Of(CaseFile.Evolve(null, red, DeciderSpec.Now)!) with { Tlp = Tlp.Green };
        var outcome = DeciderSpec.Given(red).When(Change(Nl, Contracts.V1.Tlp.Green, audience, reason: "joint operation"));
        outcome.Then(
            new SharingPolicyChanged(CaseId, Policy(Tlp.Red), Policy(Tlp.Green), Text(CaseId, "joint operation")),
            new SharingNoticesSent(CaseId, Text(CaseId, "joint operation"), [], [new CorrelationWidened(Key, IdentifierKind.EmailAddress, "BE-FCCU", BeCase, "FCCU-1", widenedTo)]));
        Assert.Contains("correlations told after widening to BE-FCCU (case FCCU-1", outcome.Decision!.Record!.Disclosed);

        // Narrowed again and widened a second time: the correlation it was told of after the first widening is not repeated.
        var toldOnce = audience with
        {
            Disclosures = [.. audience.Disclosures, new CaseAudience.Told("BE-FCCU", "NL-TBKK", DisclosureLevel.Summary, [Key], BeCase)],
        };
        DeciderSpec.Given(red).When(Change(Nl, Contracts.V1.Tlp.Green, toldOnce, reason: "joint operation"))
            .Then(new SharingPolicyChanged(CaseId, Policy(Tlp.Red), Policy(Tlp.Green), Text(CaseId, "joint operation")));
    }

    [Fact]
    public void The_same_policy_again_changes_nothing()
    {
        var outcome = DeciderSpec.Given(Green).When(Change(Nl, Contracts.V1.Tlp.Green, ToldBeAndPartner));
        outcome.Then();
        Assert.Null(outcome.Decision!.Record);
    }

    [Fact]
    public void Only_the_owner_changes_the_policy_of_an_open_case()
    {
        DeciderSpec.Given(Green).When(Change(Be, Contracts.V1.Tlp.Red)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.Given(Green, new CaseClosed(CaseId, Text(CaseId, "done"))).When(Change(Nl, Contracts.V1.Tlp.Red)).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
    }

    [Fact]
    public void A_change_needs_a_reason_a_policy_and_registered_partners()
    {
        DeciderSpec.WhenBuilding(() => Change(Nl, Contracts.V1.Tlp.Red, reason: " ")).ThenRejected(StatusCode.InvalidArgument, "reason");
        DeciderSpec.WhenBuilding(() => Change(Nl, Contracts.V1.Tlp.Unspecified)).ThenRejected(StatusCode.InvalidArgument, "sharing_policy.tlp");
        DeciderSpec.WhenBuilding(() => Change(Nl, Contracts.V1.Tlp.Amber, partners: "XX-NOBODY")).ThenRejected(StatusCode.InvalidArgument, "sharing_policy.partner_units");
        DeciderSpec.WhenBuilding(() => ChangeSharingPolicy.From(new ChangeSharingPolicyRequest { CommandId = NewCommandId(), Reason = "why" }, Nl, On(CaseId), Units, new()))
            .ThenRejected(StatusCode.InvalidArgument, "sharing_policy");
    }
}
