using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Restriction;
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
    /// The victim links restricted now, which VictimsByCountry leaves out (a correction or an erasure of one moves no
    /// count).
    public HashSet<Guid> RestrictedVictimLinks { get; set; } = [];
    /// The handoff waiting for its target's answer (its target sees the case while it stands); none once answered,
    /// cancelled or the case closed. Whether its deadline has passed is judged when it is read.
    public PendingHandoff? OpenHandoff { get; set; }
    /// The whole case is restricted: to anyone but its owner and auditors it does not exist.
    public bool Restricted { get; set; }

    /// The units leading the case with its owner, and those invited to (each sees it while its invitation stands).
    public List<string> CoLeadUnits { get; set; } = [];
    public List<PendingInvitation> OpenInvitations { get; set; } = [];

    public int VictimCount => VictimsByCountry.Values.Sum();

    public CaseParty Party => new(Id, OwnerUnit, OwnerCountry, Reference, SharingPolicy.Tlp, SharingPolicy.HandlingCode,
        SharingPolicy.HandlingRestrictions, SharingPolicy.PartnerUnits, Restricted, CoLeadUnits.Count == 0 ? null : CoLeadUnits);

    public static CaseSummary Create(CaseOpened e) => new()
    {
        Id = e.CaseId, OwnerUnit = e.OwnerUnit, OwnerCountry = e.OwnerCountry, Reference = e.Reference, SharingPolicy = e.SharingPolicy,
    };

    /// An erased case is disclosed to no one and matched by no one, like a restricted one (for good: it takes no more
    /// commands, so no lifting), and keeps no readable restriction text.
    public void Apply(Erasure.CaseErased e)
    {
        Restricted = true;
        SharingPolicy = SharingPolicy with { HandlingRestrictions = null };
        VictimsByCountry.Clear();
        OpenHandoff = null;
        OpenInvitations.Clear();
    }

    public void Apply(VictimLinked e) => VictimsByCountry[e.Country] = VictimsByCountry.GetValueOrDefault(e.Country) + 1;

    /// A corrected country moves its count, unless the link counts nowhere (restricted).
    public void Apply(VictimLinkCorrected e)
    {
        if (e.Before.Country == e.After.Country || RestrictedVictimLinks.Contains(e.VictimLinkId)) return;
        Count(e.Before.Country, -1);
        Count(e.After.Country, +1);
    }

    /// An erased link no longer counts: the counts other units see are of the victims the case still holds. A
    /// restricted link counted nowhere already.
    public void Apply(VictimLinkErased e)
    {
        if (!RestrictedVictimLinks.Remove(e.VictimLinkId)) Count(e.Country, -1);
    }

    private void Count(string country, int change)
    {
        var count = VictimsByCountry.GetValueOrDefault(country) + change;
        if (count > 0) VictimsByCountry[country] = count;
        else VictimsByCountry.Remove(country);
    }

    public void Apply(HandoffRequested e) => OpenHandoff = new PendingHandoff(e.HandoffId, e.TargetUnit, e.ExpiresAt);

    public void Apply(HandoffAccepted e)
    {
        OwnerUnit = e.NewOwnerUnit;
        OwnerCountry = e.NewOwnerCountry;
        OpenHandoff = null;
        CoLeadUnits.Remove(e.NewOwnerUnit);
    }

    public void Apply(HandoffDeclined e) => OpenHandoff = null;

    public void Apply(HandoffCancelled e) => OpenHandoff = null;


    // A restricted victim link is counted nowhere; a restricted identifier is its holding's flag.
    public void Apply(DataRestricted e) => Restrict(e.What, e.VictimCountry, true);

    public void Apply(RestrictionLifted e) => Restrict(e.What, e.VictimCountry, false);

    private void Restrict(RestrictedData what, string? victimCountry, bool restricted)
    {
        if (what.Scope == RestrictionScope.Case) Restricted = restricted;
        if (what.Scope != RestrictionScope.VictimLink || victimCountry is null || what.VictimLinkId is not { } link) return;
        if (restricted ? RestrictedVictimLinks.Add(link) : RestrictedVictimLinks.Remove(link)) Count(victimCountry, restricted ? -1 : +1);
    }

    public void Apply(HandoffExpired e) => OpenHandoff = null;

    /// Asked again: its target sees the case until the new deadline.
    public void Apply(HandoffEscalated e) => OpenHandoff = new PendingHandoff(e.HandoffId, e.TargetUnit, e.ExpiresAt);

    public void Apply(SharingPolicyChanged e) => SharingPolicy = e.New;

    public void Apply(CaseClosed e)
    {
        OpenHandoff = null;
        OpenInvitations.Clear();
    }

    public void Apply(CoLeadInvited e)
    {
        OpenInvitations.RemoveAll(i => i.Unit == e.CoLeadUnit);
        OpenInvitations.Add(new PendingInvitation(e.CoLeadUnit, e.ExpiresAt));
    }

    public void Apply(CoLeadJoined e)
    {
        OpenInvitations.RemoveAll(i => i.Unit == e.CoLeadUnit);
        if (!CoLeadUnits.Contains(e.CoLeadUnit)) CoLeadUnits.Add(e.CoLeadUnit);
    }

    public void Apply(CoLeadInvitationDeclined e) => OpenInvitations.RemoveAll(i => i.Unit == e.CoLeadUnit);

    public void Apply(CoLeadInvitationWithdrawn e) => OpenInvitations.RemoveAll(i => i.Unit == e.CoLeadUnit);

    public void Apply(CoLeadLeft e) => CoLeadUnits.Remove(e.CoLeadUnit);
}
