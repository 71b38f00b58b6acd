using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Victims;

namespace EvidenceHub.Hub.Sharing;

/// What the hub may disclose of a case to another unit or partner, kept small and inline so that lookups and
/// correlation read it instead of the whole case file: owner, reference, sharing policy, victim counts by country.
public sealed class CaseSummary
{
    public Guid Id { get; set; }
    public string OwnerUnit { get; set; } = "";
    public string OwnerCountry { get; set; } = "";
    public string Reference { get; set; } = "";
    public SharingPolicy SharingPolicy { get; set; } = new(Tlp.Red, HandlingCode.H0, null, []);
    public Dictionary<string, int> VictimsByCountry { get; set; } = [];
    /// The handoff waiting for its target's answer (its target sees the case while it stands); none once answered,
    /// cancelled or the case closed. Whether its deadline has passed is judged when it is read.
    public PendingHandoff? OpenHandoff { get; set; }

    public int VictimCount => VictimsByCountry.Values.Sum();

    public CaseParty Party => new(Id, OwnerUnit, OwnerCountry, Reference, SharingPolicy.Tlp, SharingPolicy.HandlingCode,
        SharingPolicy.HandlingRestrictions, SharingPolicy.PartnerUnits);

    public static CaseSummary Create(CaseOpened e) => new()
    {
        Id = e.CaseId, OwnerUnit = e.OwnerUnit, OwnerCountry = e.OwnerCountry, Reference = e.Reference, SharingPolicy = e.SharingPolicy,
    };

    public void Apply(VictimLinked e) => VictimsByCountry[e.Country] = VictimsByCountry.GetValueOrDefault(e.Country) + 1;

    /// An erased link no longer counts: the counts other units see are of the victims the case still holds.
    public void Apply(VictimLinkErased e)
    {
        var left = VictimsByCountry.GetValueOrDefault(e.Country) - 1;
        if (left > 0) VictimsByCountry[e.Country] = left;
        else VictimsByCountry.Remove(e.Country);
    }

    public void Apply(HandoffRequested e) => OpenHandoff = new PendingHandoff(e.HandoffId, e.TargetUnit, e.ExpiresAt);

    public void Apply(HandoffAccepted e)
    {
        OwnerUnit = e.NewOwnerUnit;
        OwnerCountry = e.NewOwnerCountry;
        OpenHandoff = null;
    }

    public void Apply(HandoffDeclined e) => OpenHandoff = null;

    public void Apply(HandoffCancelled e) => OpenHandoff = null;

    public void Apply(CaseClosed e) => OpenHandoff = null;
}
