using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Sharing;

/// What a case's sharing policy lets another unit learn of it.
public enum DisclosureLevel
{
    /// Nothing at all: answered exactly like a case that does not exist, so not even existence leaks.
    None,
    /// Whom to contact: the owning unit, its country and the case reference, with TLP, handling code and restrictions.
    Contact,
    /// Also the identifier kind, first-seen date, victim count and victim countries.
    Summary,
}

/// Who learns something of a case: a unit (or partner), or an auditor reading on an audit surface.
public sealed record Recipient(string Unit, bool Auditor = false)
{
    public static Recipient Of(Caller caller) => new(caller.UnitId, caller.Is(Roles.Auditor));
}

/// The unit in a case's pending handoff, and until when the request stands.
public sealed record PendingHandoff(Guid HandoffId, string TargetUnit, DateTimeOffset ExpiresAt)
{
    public bool IsPendingAt(DateTimeOffset now) => now < ExpiresAt;
}

/// A unit invited to co-lead a case, and until when the invitation stands.
public sealed record PendingInvitation(string Unit, DateTimeOffset ExpiresAt)
{
    public bool IsPendingAt(DateTimeOffset now) => now < ExpiresAt;
}

/// The one set of disclosure rules: lookups, batch lookups, correlation and retraction notices, networks and write
/// results all ask this, and the SQL predicate (DisclosureSql) is the same rule where a query must filter.
public static class CaseDisclosure
{
    /// The owner always sees its case, and auditors every case on audit surfaces. A restricted case, or a restricted
    /// identifier of it (identifierRestricted, when the disclosure is of one holding), discloses nothing to anyone
    /// else, co-leads and a handoff's target included. Otherwise its co-leads see it as the owner does, and so do the
    /// target of a handoff and a unit invited to co-lead while the request is pending at the given moment (each must
    /// decide; an invitation grants no more than a handoff). To everyone else: RED nothing; AMBER and AMBER+STRICT
    /// whom to contact, and only to the units the case lists; GREEN and CLEAR the summary.
    public static DisclosureLevel Of(CaseParty @case, Recipient recipient, PendingHandoff? handoff = null, DateTimeOffset now = default,
        IReadOnlyList<PendingInvitation>? invitations = null, bool identifierRestricted = false) => @case switch
    {
        _ when recipient.Auditor || @case.Unit == recipient.Unit => DisclosureLevel.Summary,
        _ when @case.Restricted || identifierRestricted => DisclosureLevel.None,
        _ when @case.IsLedBy(recipient.Unit) => DisclosureLevel.Summary,
        _ when handoff is not null && handoff.TargetUnit == recipient.Unit && handoff.IsPendingAt(now) => DisclosureLevel.Summary,
        _ when invitations?.Any(i => i.Unit == recipient.Unit && i.IsPendingAt(now)) == true => DisclosureLevel.Summary,
        { Tlp: Tlp.Red } => DisclosureLevel.None,
        { Tlp: Tlp.Amber or Tlp.AmberStrict } => @case.PartnerUnits.Contains(recipient.Unit) ? DisclosureLevel.Contact : DisclosureLevel.None,
        { Tlp: Tlp.Green or Tlp.Clear } => DisclosureLevel.Summary,
        _ => DisclosureLevel.None,
    };

    /// A case as read from its summary, at the given moment (a handoff past its deadline grants nothing).
    public static DisclosureLevel Of(CaseSummary @case, Recipient recipient, DateTimeOffset now, Identifiers.IdentifierHolding? holding = null) =>
        Of(@case.Party, recipient, @case.OpenHandoff, now, @case.OpenInvitations, holding?.Restricted == true);
}

/// The same rule inside a query, so that a case the caller may not see is filtered where its rows are read: it costs
/// the query what an absent case costs, and never reaches the hub's code. Kept next to CaseDisclosure.Of, and held to it
/// by a test that evaluates both on every combination.
public static class DisclosureSql
{
    /// A one-row relation (unit text, auditor boolean, at timestamptz) naming the recipient, bound from three
    /// parameters in this order: Parameters(recipient, now).
    public const string RecipientRelation = "(SELECT ?::text AS unit, ?::boolean AS auditor, ?::timestamptz AS at)";

    public static object[] Parameters(Recipient recipient, DateTimeOffset now) => [recipient.Unit, recipient.Auditor, now];

    /// True when the case summary (a jsonb expression) discloses at least Contact to the recipient relation's row; with
    /// holding (a jsonb expression of an identifier holding), of that identifier of the case.
    /// Free of '?': Marten reads every '?' as a parameter, so jsonb containment stands for the '?' operator.
    public static string Discloses(string summary, string recipient, string? holding = null) => $$"""
        ({{recipient}}.auditor
         OR {{summary}} ->> 'OwnerUnit' = {{recipient}}.unit
         OR (NOT ({{Restricted(summary)}}{{(holding is null ? "" : " OR " + Restricted(holding))}})
             AND (({{summary}} #>> '{OpenHandoff,TargetUnit}' = {{recipient}}.unit
                   AND CAST({{summary}} #>> '{OpenHandoff,ExpiresAt}' AS timestamptz) > {{recipient}}.at)
                  OR COALESCE({{summary}} #> '{CoLeadUnits}', '[]'::jsonb) @> jsonb_build_array({{recipient}}.unit)
                  OR EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE({{summary}} #> '{OpenInvitations}', '[]'::jsonb)) AS invitation
                             WHERE invitation ->> 'Unit' = {{recipient}}.unit AND CAST(invitation ->> 'ExpiresAt' AS timestamptz) > {{recipient}}.at)
                  OR {{summary}} #>> '{SharingPolicy,Tlp}' IN ('Green', 'Clear')
                  OR ({{summary}} #>> '{SharingPolicy,Tlp}' IN ('Amber', 'AmberStrict')
                      AND COALESCE({{summary}} #> '{SharingPolicy,PartnerUnits}', '[]'::jsonb) @> jsonb_build_array({{recipient}}.unit)))))
        """;

    private static string Restricted(string document) => $"COALESCE({document} ->> 'Restricted' = 'true', false)";
}
