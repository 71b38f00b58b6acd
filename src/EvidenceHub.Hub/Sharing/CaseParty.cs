using EvidenceHub.Hub.Cases;

namespace EvidenceHub.Hub.Sharing;

/// One case as another unit may come to know it: who holds it, its reference and the policy that governs disclosure.
public sealed record CaseParty(
    Guid CaseId, string Unit, string Country, string Reference, Tlp Tlp, HandlingCode HandlingCode,
    string? HandlingRestrictions, IReadOnlyList<string> PartnerUnits)
{
    public static CaseParty Of(CaseFile file) => new(file.Id, file.OwnerUnit, file.OwnerCountry, file.Reference,
        file.SharingPolicy.Tlp, file.SharingPolicy.HandlingCode, file.SharingPolicy.HandlingRestrictions, file.SharingPolicy.PartnerUnits);
}

/// What a case's sharing policy lets another unit learn of it.
public enum DisclosureLevel
{
    /// Nothing at all: answered exactly like a no-hit, so not even existence leaks.
    None,
    /// Whom to contact: the owning unit and the case reference, with the handling code.
    Contact,
    /// Also the identifier type, first-seen date, victim count and victim countries.
    Summary,
}

public static class DisclosureRules
{
    /// A partner asking hit / no-hit: RED never; AMBER (and AMBER+STRICT) only to the partners the case lists;
    /// GREEN and CLEAR to any partner. The owning unit always sees its own case.
    public static DisclosureLevel ForLookup(CaseParty party, string callerUnit) => party switch
    {
        _ when party.Unit == callerUnit => DisclosureLevel.Summary,
        { Tlp: Tlp.Red } => DisclosureLevel.None,
        { Tlp: Tlp.Amber or Tlp.AmberStrict } => party.PartnerUnits.Contains(callerUnit) ? DisclosureLevel.Contact : DisclosureLevel.None,
        _ => DisclosureLevel.Summary,
    };

    /// A unit whose case holds the same identifier has a need to know whom to contact, unless the other case is RED.
    public static DisclosureLevel ForCorrelation(CaseParty party, string recipientUnit) => party switch
    {
        _ when party.Unit == recipientUnit => DisclosureLevel.Summary,
        { Tlp: Tlp.Red } => DisclosureLevel.None,
        { Tlp: Tlp.Amber or Tlp.AmberStrict } => DisclosureLevel.Contact,
        _ => DisclosureLevel.Summary,
    };
}
