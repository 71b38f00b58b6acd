using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Correlation;

/// When an identifier joins a case, which other cases it correlates with.
public static class CorrelationDecisions
{
    /// Correlations with every other holder; none once the identifier is common (flagged the first time it is), and
    /// none with or for a unit that marked the value not to correlate.
    public static IReadOnlyList<IIdentifierEvent> On(CaseFile adding, CanonicalIdentifier identifier, IdentifierIndex index, CorrelationOptions options)
    {
        if (index.IsCommon(identifier.Key)) return [];
        var holderCount = index.HolderCount(identifier.Key, otherThan: adding.Id);
        if (holderCount >= options.CommonThreshold) return [new IdentifierFlaggedCommon(identifier.Key, holderCount + 1)];
        var others = index.HoldersOf(identifier.Key).Where(h => h.CaseId != adding.Id).ToList();

        var declined = index.NotToCorrelateBy(identifier.Key);
        if (declined.Contains(adding.OwnerUnit)) return [];
        var me = CaseParty.Of(adding);
        return others.Where(other => !declined.Contains(other.Unit))
            .Select(other => new CorrelationFound(identifier.Key, identifier.Kind, me, other))
            .ToList();
    }

    /// Everyone told of a correlation on the identifier through this case: the other cases, each reached at its
    /// owner now (a handoff since the correlation moved it), not at the unit that held it then.
    public static CorrelationRetracted? Retraction(CaseFile retracting, string key, string reason, IdentifierIndex index)
    {
        var recipients = index.CorrelationsOn(key)
            .Where(p => p.AddingCase == retracting.Id || p.HoldingCase == retracting.Id)
            .Select(p => p.AddingCase == retracting.Id ? (Case: p.HoldingCase, Then: p.HoldingUnit) : (Case: p.AddingCase, Then: p.AddingUnit))
            .Select(other => new CorrelationRetracted.Recipient(index.PartyOf(other.Case)?.Unit ?? other.Then, other.Case))
            .Distinct()
            .ToList();
        return recipients.Count == 0 ? null : new CorrelationRetracted(key, CaseParty.Of(retracting), reason, recipients);
    }
}
