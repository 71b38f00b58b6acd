using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Cases;

/// OpenCase and CloseCase requests, checked and turned into case commands.
public static class CaseRequests
{
    public static CaseCommand Open(Caller caller, OpenCaseRequest request, UnitRegistry units)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var caseId = Fields.NewCaseId(request.CaseId);
        var reference = Fields.RequiredText(request.Reference, "reference", Fields.MaxReferenceLength);
        var offenceType = Fields.Enum<OffenceType>((int)request.OffenceType, "offence_type");
        var policy = SharingPolicyOf(request.SharingPolicy, units);

        return new CaseCommand(commandId, caseId, null, request,
            Decide: (current, _) => current is null
                ? [CaseDecisions.Open(caller, caseId, reference, offenceType, policy)]
                : throw Rejection.AlreadyExists("case", caseId.ToString(), "case_id", "a case with this id already exists"),
            Describe: (_, _, _) => new CommandResult())
        {
            Documents = [new CaseReferenceClaim { Id = CaseReferenceClaim.IdFor(caller.UnitId, reference), CaseId = caseId }],
            OpensCase = true,
        };
    }

    public static CaseCommand Close(Caller caller, CloseCaseRequest request, Guid caseId)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var reason = Fields.RequiredText(request.Reason, "reason", Fields.MaxReasonLength);
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, _) => CaseDecisions.Close(Existing(current, caseId), caller, reason),
            Describe: (_, _, _) => new CommandResult());
    }

    /// Commands other than OpenCase need the case to exist.
    public static CaseFile Existing(CaseFile? current, Guid caseId) =>
        current ?? throw Rejection.NotFound("case", caseId.ToString(), "case_id");

    private static SharingPolicy SharingPolicyOf(Contracts.V1.SharingPolicy? policy, UnitRegistry units)
    {
        if (policy is null) throw Rejection.InvalidArgument("sharing_policy", "is required (TLP level and handling code)");
        var tlp = Fields.Enum<Tlp>((int)policy.Tlp, "sharing_policy.tlp");
        var handlingCode = Fields.Enum<HandlingCode>((int)policy.HandlingCode, "sharing_policy.handling_code");
        var restrictions = Fields.Text(policy.HandlingRestrictions, "sharing_policy.handling_restrictions", Fields.MaxReasonLength, required: handlingCode == HandlingCode.H3);
        var partners = policy.PartnerUnits.Select(p => p.Trim()).Distinct().ToArray();
        foreach (var partner in partners)
            if (!units.Contains(partner))
                throw Rejection.InvalidArgument("sharing_policy.partner_units", $"'{LogText.Quote(partner)}' is not a unit registered at this hub");
        return new SharingPolicy(tlp, handlingCode, restrictions, partners);
    }
}
