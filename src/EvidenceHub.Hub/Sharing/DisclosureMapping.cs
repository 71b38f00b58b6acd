using EvidenceHub.Contracts.V1;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Hub.Sharing;

/// A case as a disclosure shows it to another unit; what a Summary adds is set by the caller that has it.
public static class DisclosureMapping
{
    /// Whom to contact, with the case's TLP, handling code and restrictions: what every disclosure carries. A
    /// correlation notice also names the kind of the identifier both cases hold (the recipient holds it already).
    /// restrictions: the case's handling restrictions opened (SharingPolicyText.Open), or "" where the feed opens them
    /// when it delivers the item.
    public static Disclosure Contact(CaseParty @case, string restrictions, IdentifierKind? shared = null, Quality.Grading? grading = null) => new()
    {
        OwnerUnit = @case.Unit,
        OwnerCountry = @case.Country,
        CaseReference = @case.Reference,
        Tlp = (Contracts.V1.Tlp)@case.Tlp,
        HandlingCode = (Contracts.V1.HandlingCode)@case.HandlingCode,
        HandlingRestrictions = restrictions,
        Kind = shared is { } kind ? (Contracts.V1.IdentifierKind)kind : Contracts.V1.IdentifierKind.Unspecified,
        Grading = Quality.GradingMapping.ToProto(grading),
    };
}
