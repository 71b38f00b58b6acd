using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Cases;

/// A unit opens a case it owns, under its own reference (unique per unit) and a sharing policy.
public sealed record OpenCase(string Reference, OffenceType OffenceType, SharingPolicy Policy) : Command
{
    public static OpenCase From(OpenCaseRequest request, Caller caller, UnitRegistry units)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var caseId = RequestFields.NewCaseId(request.CaseId);
        var reference = RequestFields.RequiredText(request.Reference, "reference", RequestFields.MaxReferenceLength);
        var offenceType = RequestFields.Enum<OffenceType>((int)request.OffenceType, "offence_type");
        var policy = SharingPolicyOf(request.SharingPolicy, units);
        return new OpenCase(reference, offenceType, policy) { CommandId = commandId, Caller = caller, Request = request, Case = new CaseTarget(caseId, null) };
    }

    public override bool OpensCase => true;

    public override IReadOnlyList<object> Documents =>
        [new CaseReferenceClaim { Id = CaseReferenceClaim.IdFor(Caller.UnitId, Reference), CaseId = CaseId!.Value }];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("OpenCase makes the case's subject key: it decides with a key ring.");

    /// The case gets its own subject, whose key seals the free text units write about it (CaseText, the handling
    /// restrictions too), so that erasing the case erases that text.
    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        if (state is not null) throw Rejection.AlreadyExists("case", CaseId!.Value.ToString(), "case_id", "a case with this id already exists");
        var textSubject = keys.NewSubject(CaseId!.Value, SubjectKind.Case);
        var policy = Sharing.SharingPolicyText.Sealing(Policy, textSubject, keys);
        return new([new CaseOpened(CaseId!.Value, Caller.UnitId, Caller.Country, Reference, OffenceType, policy, textSubject)], new CommandResult());
    }

    internal static SharingPolicy SharingPolicyOf(Contracts.V1.SharingPolicy? policy, UnitRegistry units)
    {
        if (policy is null) throw Rejection.InvalidArgument("sharing_policy", "is required (TLP level and handling code)");
        var tlp = RequestFields.Enum<Tlp>((int)policy.Tlp, "sharing_policy.tlp");
        var handlingCode = RequestFields.Enum<HandlingCode>((int)policy.HandlingCode, "sharing_policy.handling_code");
        var restrictions = RequestFields.Text(policy.HandlingRestrictions, "sharing_policy.handling_restrictions", RequestFields.MaxReasonLength, required: handlingCode == HandlingCode.H3);
        var partners = policy.PartnerUnits.Select(p => p.Trim()).Distinct().ToArray();
        foreach (var partner in partners)
            if (!units.Contains(partner))
                throw Rejection.InvalidArgument("sharing_policy.partner_units", $"'{LogText.Quote(partner)}' is not a unit registered at this hub");
            // A partner is told whom to contact on a hit, and of narrowed sharing: a hosting party must never learn a case.
            else if (units.Find(partner)!.Roles.Contains(Identity.Roles.Provider))
                throw Rejection.InvalidArgument("sharing_policy.partner_units", $"'{LogText.Quote(partner)}' is a hosting party (role provider), never a case's partner");
        // Plain until the command seals it under the case subject.
        return new SharingPolicy(tlp, handlingCode, restrictions is null ? null : Sealed.Plain(restrictions), partners);
    }
}
