using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Sharing;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using ErasureBasis = EvidenceHub.Hub.Erasure.ErasureBasis;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using SubjectKind = EvidenceHub.Hub.Erasure.SubjectKind;
using SharingPolicy = EvidenceHub.Hub.Cases.SharingPolicy;
using Tlp = EvidenceHub.Hub.Cases.Tlp;
using HandlingCode = EvidenceHub.Hub.Cases.HandlingCode;
using CaseStatus = EvidenceHub.Hub.Cases.CaseStatus;

namespace EvidenceHub.Tests.Deciders;

/// A case's free text sealed under its own subject, and the erasure of a whole case (EraseCase, also by the hub).
public sealed class ErasureDeciderTests
{
    private static readonly Guid Mine = Guid.NewGuid(), Theirs = Guid.NewGuid();
    /// The identifier both cases hold, by its match key (the pseudonym).
    private static readonly string Key = Added(Mine, "offender@example.com").Key;

    private static CaseParty Party(CaseOpened opened) => CaseParty.Of(CaseFile.Evolve(null, opened, DeciderSpec.Now)!);

    /// BE's case and mine both hold the identifier, correlated when I added it.
    private static readonly DeciderSpec Correlated = DeciderSpec.Given(
        Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Mine, Nl), Added(Mine, "offender@example.com"),
        new CorrelationFound(Key, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(Opened(Theirs, Be))));

    private static EraseCase Erase(Caller by, Action<EraseCaseRequest>? change = null)
    {
        var request = new EraseCaseRequest
        {
            CommandId = NewCommandId(), CaseId = Mine.ToString(), LegalBasis = Contracts.V1.ErasureBasis.CourtOrder, Reason = "order 2026/77",
        };
        change?.Invoke(request);
        return EraseCase.From(request, by, On(Mine));
    }

    [Fact]
    public void Opening_a_case_makes_the_subject_its_free_text_is_sealed_under()
    {
        var open = OpenCase.From(new OpenCaseRequest
        {
            CommandId = NewCommandId(), CaseId = Mine.ToString(), Reference = "TBKK-1", OffenceType = Contracts.V1.OffenceType.FinancialSextortion,
            SharingPolicy = new Contracts.V1.SharingPolicy { Tlp = Contracts.V1.Tlp.Green, HandlingCode = Contracts.V1.HandlingCode.H1 },
        }, Nl, Units);
        var outcome = DeciderSpec.Given().When(open);
        var opened = Assert.IsType<CaseOpened>(Assert.Single(outcome.Decision!.Events));
        var key = Assert.Single(outcome.Keys);
        Assert.Equal((opened.TextSubject, Mine, SubjectKind.Case), (key.Subject, key.CaseId, key.Kind));
    }

    [Fact]
    public void Free_text_about_a_case_is_stored_sealed_under_the_case_subject_and_reads_erased_without_its_key()
    {
        var close = CloseCase.From(new CloseCaseRequest { CommandId = NewCommandId(), CaseId = Mine.ToString(), Reason = "suspect V. Jansen convicted" }, Nl, On(Mine));
        var closed = Assert.IsType<CaseClosed>(Assert.Single(DeciderSpec.Given(Opened(Mine, Nl)).When(close)
            .Then(new CaseClosed(Mine, Text(Mine, "suspect V. Jansen convicted"))).Decision!.Events));
        Assert.Equal(CaseSubjectOf(Mine), closed.Reason.Subject);
        Assert.DoesNotContain("Jansen", System.Text.Json.JsonSerializer.Serialize(closed));
        var file = CaseFile.Evolve(CaseFile.Evolve(null, Opened(Mine, Nl), DeciderSpec.Now), closed, DeciderSpec.Now)!;
        Assert.Equal("suspect V. Jansen convicted", CaseText.Open(file.CloseReason, new SubjectKeyRing([TestKey(Mine, CaseSubjectOf(Mine))]), nameof(CaseClosed.Reason)));
        Assert.Equal(Sealed.ErasedPlaceholder, CaseText.Open(file.CloseReason, new SubjectKeyRing(), nameof(CaseClosed.Reason)));
        // Another case's key does not open it (the subject and the field are bound to the ciphertext).
        Assert.Equal(SealedJson.DamagedPlaceholder, CaseText.Open(file.CloseReason! with { Subject = CaseSubjectOf(Theirs) },
            new SubjectKeyRing([TestKey(Theirs, CaseSubjectOf(Theirs))]), nameof(CaseClosed.Reason)));
    }

    [Fact]
    public void Handoff_and_co_lead_reasons_review_notes_and_restriction_reasons_are_sealed_too()
    {
        var handoff = RequestHandoff.From(new RequestHandoffRequest { CommandId = NewCommandId(), TargetUnit = "BE-FCCU", Reason = "offender in Antwerp" }, Nl, On(Mine),
            Units, new HandoffOptions());
        var requested = Assert.IsType<HandoffRequested>(Assert.Single(DeciderSpec.Given(Opened(Mine, Nl)).When(handoff).Decision!.Events));
        var invite = InviteCoLead.From(new InviteCoLeadRequest { CommandId = NewCommandId(), CoLeadUnit = "BE-FCCU", Reason = "joint team" }, Nl, On(Mine), Units, new HandoffOptions());
        var invited = Assert.IsType<CoLeadInvited>(Assert.Single(DeciderSpec.Given(Opened(Mine, Nl)).When(invite).Decision!.Events));
        var review = ReviewCase.From(new ReviewCaseRequest { CommandId = NewCommandId(), Note = "trial in May" }, Nl, On(Mine));
        var reviewed = Assert.IsType<CaseReviewed>(Assert.Single(DeciderSpec.Given(Opened(Mine, Nl)).When(review).Decision!.Events));
        var restrict = RestrictionDeciderTests.Restrict(Mine, Nl, r => r.WholeCase = true);
        var restricted = Assert.IsType<DataRestricted>(Assert.Single(DeciderSpec.Given(Opened(Mine, Nl)).When(restrict).Decision!.Events));
        Assert.All(new[] { requested.Reason, invited.Reason, reviewed.Note, restricted.Reason }, text => Assert.Equal(CaseSubjectOf(Mine), text.Subject));
    }

    [Fact]
    public void The_owner_erases_its_case_and_every_unit_told_of_it_is_named()
    {
        var handoff = Guid.NewGuid();
        Correlated.And(new HandoffRequested(Mine, handoff, "NL-TBKK", "CA-RCMP-NCECC", Text(Mine, "lead"), DeciderSpec.Now.AddDays(2)))
            .When(Erase(Nl))
            .Then(new CaseErased(Mine, ErasureBasis.CourtOrder, "order 2026/77", Party(Opened(Mine, Nl)),
                [new RestrictionRecipient("BE-FCCU", Theirs, Key), new RestrictionRecipient("CA-RCMP-NCECC", null, null)]));
        // A closed or restricted case is erased all the same (retention ends after closing).
        Correlated.And(new CaseClosed(Mine, Text(Mine, "done"))).When(Erase(Nl)).Then(new CaseErased(Mine, ErasureBasis.CourtOrder, "order 2026/77",
            Party(Opened(Mine, Nl)), [new RestrictionRecipient("BE-FCCU", Theirs, Key)]));
    }

    [Fact]
    public void Only_the_owner_erases_once_and_a_request_names_its_basis_and_reason()
    {
        var joint = Correlated.And(new CoLeadInvited(Mine, "NL-TBKK", "BE-FCCU", Text(Mine, "join"), DeciderSpec.Now.AddDays(1)), new CoLeadJoined(Mine, "BE-FCCU", "NL-TBKK"));
        joint.When(Erase(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        var erased = Correlated.And(new CaseErased(Mine, ErasureBasis.CourtOrder, "order", Party(Opened(Mine, Nl)), []));
        Assert.Empty(erased.When(Erase(Nl)).Decision!.Events);
        DeciderSpec.WhenBuilding(() => Erase(Nl, r => r.LegalBasis = Contracts.V1.ErasureBasis.Unspecified)).ThenRejected(StatusCode.InvalidArgument, "legal_basis");
        DeciderSpec.WhenBuilding(() => Erase(Nl, r => r.Reason = " ")).ThenRejected(StatusCode.InvalidArgument, "reason");
        DeciderSpec.WhenBuilding(() => Erase(Nl, r => r.CommandId = "")).ThenRejected(StatusCode.InvalidArgument, "command_id");
    }

    [Fact]
    public void An_erased_case_is_closed_seen_only_by_its_owner_and_auditors_and_keeps_no_readable_restriction_text()
    {
        var opened = Opened(Mine, Nl) with { SharingPolicy = new SharingPolicy(Tlp.Amber, HandlingCode.H3, Sample.Restrictions(Mine, "no contact with the platform"), []) };
        var file = CaseFile.Evolve(null, opened, DeciderSpec.Now);
        file = CaseFile.Evolve(file, new CoLeadInvited(Mine, "NL-TBKK", "BE-FCCU", Text(Mine, "join"), DeciderSpec.Now.AddDays(1)), DeciderSpec.Now);
        file = CaseFile.Evolve(file, new CoLeadJoined(Mine, "BE-FCCU", "NL-TBKK"), DeciderSpec.Now);
        file = CaseFile.Evolve(file, new CaseErased(Mine, ErasureBasis.RetentionExpired, "retention", CaseParty.Of(file!), [], ByHub: true), DeciderSpec.Now.AddHours(1))!;
        // Its key is gone with the case: the sealed text opens to the placeholder.
        Assert.Equal((true, CaseStatus.Closed, Sealed.ErasedPlaceholder), (file.IsErased, file.Status, SharingPolicyText.Open(file.SharingPolicy.HandlingRestrictions, new SubjectKeyRing())));
        Assert.Equal("no contact with the platform", SharingPolicyText.Open(opened.SharingPolicy.HandlingRestrictions, new SubjectKeyRing([Sample.TestKey(Mine, Sample.CaseSubjectOf(Mine))])));
        // Restrictions stored plain, before they were sealed, are dropped from the file.
        var plain = CaseFile.Evolve(null, opened with { SharingPolicy = opened.SharingPolicy with { HandlingRestrictions = Sealed.Plain("no contact with the platform") } }, DeciderSpec.Now);
        plain = CaseFile.Evolve(plain, new CaseErased(Mine, ErasureBasis.CourtOrder, "order", CaseParty.Of(plain!), []), DeciderSpec.Now.AddHours(1))!;
        Assert.Equal(Sealed.ErasedPlaceholder, SharingPolicyText.Open(plain.SharingPolicy.HandlingRestrictions, new SubjectKeyRing()));
        Assert.Equal(CaseView.Full, CaseVisibility.Of(file, Nl, DeciderSpec.Now));
        Assert.Equal(CaseView.None, CaseVisibility.Of(file, Be, DeciderSpec.Now));
        Assert.Equal(CaseView.Full, CaseVisibility.Of(file, new Caller("EU-AUDIT", "EU", [Roles.Auditor], "a", "CN=EU-AUDIT"), DeciderSpec.Now));
        var summary = CaseSummary.Create(opened);
        summary.Apply(new CaseErased(Mine, ErasureBasis.RetentionExpired, "retention", CaseParty.Of(file), []));
        Assert.Equal((true, (Sealed?)null), (summary.Restricted, summary.SharingPolicy.HandlingRestrictions));
    }

    [Fact]
    public void With_OverdueAction_Erase_the_hub_erases_an_overdue_case_it_does_not_own()
    {
        var retention = new RetentionOptions { OverdueAction = OverdueAction.Erase };
        var recorded = DeciderSpec.Now.AddHours(-1);
        var due = retention.DueAfter(recorded);
        Correlated.When(MarkReviewOverdue.For(Mine, recorded, retention, new EraseOverdueCase()), at: due)
            .Then(new CaseReviewOverdue(Mine, "NL-TBKK", recorded, due, OverdueAction.Erase, true),
                new CaseErased(Mine, ErasureBasis.RetentionExpired, EraseOverdueCase.Reason, Party(Opened(Mine, Nl)), [new RestrictionRecipient("BE-FCCU", Theirs, Key)], ByHub: true));
        // A request can never claim the hub's part.
        Correlated.When(Erase(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }
}
