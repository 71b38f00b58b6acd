using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identity;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using HandlingCode = EvidenceHub.Hub.Cases.HandlingCode;
using OffenceType = EvidenceHub.Hub.Cases.OffenceType;
using SharingPolicy = EvidenceHub.Hub.Cases.SharingPolicy;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

public sealed class CaseDeciderTests
{
    private static readonly Guid CaseId = Guid.NewGuid();

    private static OpenCaseRequest OpenRequest(string caseId = "") => new()
    {
        CommandId = NewCommandId(), CaseId = caseId, Reference = "  TBKK-2025-0412 ", OffenceType = Contracts.V1.OffenceType.FinancialSextortion,
        SharingPolicy = new Contracts.V1.SharingPolicy { Tlp = Contracts.V1.Tlp.Amber, HandlingCode = Contracts.V1.HandlingCode.H1, PartnerUnits = { "BE-FCCU", " BE-FCCU" } },
    };

    private static CloseCase Close(Guid caseId, Caller by) => CloseCase.From(new CloseCaseRequest { CommandId = NewCommandId(), Reason = "solved" }, by, On(caseId));

    [Fact]
    public void A_unit_opens_a_case_it_owns_under_its_reference()
    {
        var open = OpenCase.From(OpenRequest(CaseId.ToString()), Nl, Units);
        DeciderSpec.Given().When(open).Then(new CaseOpened(CaseId, "NL-TBKK", "NL", "TBKK-2025-0412", OffenceType.FinancialSextortion,
            new SharingPolicy(Tlp.Amber, HandlingCode.H1, null, ["BE-FCCU"]), Guid.Empty));
        Assert.Equal(CaseReferenceClaim.IdFor("NL-TBKK", "TBKK-2025-0412"), Assert.IsType<CaseReferenceClaim>(Assert.Single(open.Documents)).Id);
    }

    [Fact]
    public void Opening_a_case_under_an_id_that_exists_is_refused() =>
        DeciderSpec.Given(Opened(CaseId, Be)).When(OpenCase.From(OpenRequest(CaseId.ToString()), Nl, Units)).ThenRejected(StatusCode.AlreadyExists, "case_id");

    [Fact]
    public void Opening_a_case_needs_a_policy_and_registered_partners()
    {
        var noPolicy = OpenRequest();
        noPolicy.SharingPolicy = null;
        DeciderSpec.WhenBuilding(() => OpenCase.From(noPolicy, Nl, Units)).ThenRejected(StatusCode.InvalidArgument, "sharing_policy");
        var stranger = OpenRequest();
        stranger.SharingPolicy.PartnerUnits.Add("XX-NOBODY");
        DeciderSpec.WhenBuilding(() => OpenCase.From(stranger, Nl, Units)).ThenRejected(StatusCode.InvalidArgument, "sharing_policy.partner_units");
        DeciderSpec.WhenBuilding(() => OpenCase.From(OpenRequest("not-a-uuid"), Nl, Units)).ThenRejected(StatusCode.InvalidArgument, "case_id");
    }

    [Fact]
    public void The_owner_closes_its_case() =>
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Close(CaseId, Nl)).Then(new CaseClosed(CaseId, Text(CaseId, "solved")));

    [Fact]
    public void Only_the_owner_changes_a_case() =>
        DeciderSpec.Given(Opened(CaseId, Nl)).When(Close(CaseId, Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");

    [Fact]
    public void A_closed_case_takes_no_more_changes() =>
        DeciderSpec.Given(Opened(CaseId, Nl), new CaseClosed(CaseId, Text(CaseId, "done"))).When(Close(CaseId, Nl)).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");

    [Fact]
    public void An_accepted_handoff_moves_the_right_to_change_the_case()
    {
        var handoff = Guid.NewGuid();
        var spec = DeciderSpec.Given(Opened(CaseId, Nl), new HandoffRequested(CaseId, handoff, "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), DeciderSpec.Now.AddDays(1)),
            new HandoffAccepted(CaseId, handoff, "NL-TBKK", "BE-FCCU", "BE"));
        spec.When(Close(CaseId, Nl)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        spec.When(Close(CaseId, Be)).Then(new CaseClosed(CaseId, Text(CaseId, "solved")));
    }
}
