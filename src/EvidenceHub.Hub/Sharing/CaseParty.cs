using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Sharing;

/// One case as another unit may come to know it: who holds it (its owner, and the co-leads that lead it with the owner),
/// its reference and the policy that governs disclosure (its handling restrictions sealed, opened by whoever discloses
/// them).
public sealed record CaseParty(
    Guid CaseId, string Unit, string Country, string Reference, Tlp Tlp, HandlingCode HandlingCode,
    Erasure.Sealed? HandlingRestrictions, IReadOnlyList<string> PartnerUnits, bool Restricted = false, IReadOnlyList<string>? CoLeadUnits = null)
{
    public static CaseParty Of(CaseFile file) => new(file.Id, file.OwnerUnit, file.OwnerCountry, file.Reference,
        file.SharingPolicy.Tlp, file.SharingPolicy.HandlingCode, file.SharingPolicy.HandlingRestrictions, file.SharingPolicy.PartnerUnits,
        file.Restricted, file.CoLeads.Count == 0 ? null : file.CoLeads);

    /// The units told of what happens on the case: its owner first, then its co-leads.
    public IEnumerable<string> LeadUnits() => CoLeadUnits is { } coLeads ? [Unit, .. coLeads] : [Unit];

    public bool IsLedBy(string unit) => Unit == unit || CoLeadUnits?.Contains(unit) == true;
}
