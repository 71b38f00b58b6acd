using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Sharing;

/// One case as another unit may come to know it: who holds it, its reference and the policy that governs disclosure.
public sealed record CaseParty(
    Guid CaseId, string Unit, string Country, string Reference, Tlp Tlp, HandlingCode HandlingCode,
    string? HandlingRestrictions, IReadOnlyList<string> PartnerUnits, bool Restricted = false)
{
    public static CaseParty Of(CaseFile file) => new(file.Id, file.OwnerUnit, file.OwnerCountry, file.Reference,
        file.SharingPolicy.Tlp, file.SharingPolicy.HandlingCode, file.SharingPolicy.HandlingRestrictions, file.SharingPolicy.PartnerUnits, file.Restricted);
}
