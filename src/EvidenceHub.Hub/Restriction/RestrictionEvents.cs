using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Restriction;

public enum RestrictionScope { Case = 1, Identifier = 2, VictimLink = 3 }

/// What a restriction covers: the whole case, one identifier of it (by key) or one victim link.
public sealed record RestrictedData(RestrictionScope Scope, string? IdentifierKey = null, Guid? VictimLinkId = null)
{
    public static readonly RestrictedData WholeCase = new(RestrictionScope.Case);

    public override string ToString() => Scope switch
    {
        RestrictionScope.Identifier => $"identifier {IdentifierKey}",
        RestrictionScope.VictimLink => $"victim link {VictimLinkId}",
        _ => "the whole case",
    };
}

/// A unit that was told of restricted data: of a correlation on Key between the restricted case and its case TheirCase,
/// or (both null) of the case itself, as the target of its handoff request.
public sealed record RestrictionRecipient(string Unit, Guid? TheirCase, string? Key);

/// The owner (or the hub, for a case past its review date) restricted data of its case (LED Art. 16(3)): kept as
/// evidence, no longer matched, correlated or disclosed to anyone but the owner and auditors. Case is the case as the
/// recipients knew it, so the feed tells each no more than it was told; VictimCountry lets the case summary stop
/// counting a restricted victim. ByHub: the hub restricted it (a case past its review date), which is no change a unit
/// made and does not postpone the case's review.
public sealed record DataRestricted(
    Guid CaseId, RestrictedData What, Sealed Reason, string LegalBasis, CaseParty Case, IReadOnlyList<RestrictionRecipient> Told,
    string? VictimCountry = null, bool ByHub = false) : ICaseEvent;

/// The restriction ended: the data matches again. Correlations missed meanwhile follow as CorrelationFound events of the
/// same command.
public sealed record RestrictionLifted(
    Guid CaseId, RestrictedData What, Sealed Reason, CaseParty Case, IReadOnlyList<RestrictionRecipient> Told,
    string? VictimCountry = null) : ICaseEvent;
