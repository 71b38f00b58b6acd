using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;

namespace EvidenceHub.Hub.Identifiers;

public static class IdentifierDecisions
{
    /// The same canonical identifier added twice to one case is one identifier: the second time nothing is appended.
    /// A new identifier is correlated with every other case that holds it, unless it is common.
    public static IReadOnlyList<object> Add(CaseFile current, Caller caller, RawIdentifier raw, CanonicalIdentifier canonical,
        IdentifierIndex index, CorrelationOptions options, CaseLimits limits)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        if (index.HoldingOf(current.Id, canonical.Key) is not null) return [];
        if (index.ActiveIdentifiersOf(current.Id) >= limits.MaxActiveIdentifiers)
            throw CaseLimitReached.Identifiers(current.Id, limits.MaxActiveIdentifiers);
        var added = new SuspectIdentifierAdded(current.Id, canonical.Kind, canonical.Value, canonical.Qualifier, canonical.Key,
            raw.Value, raw.Platform, raw.ObservedAt);
        return [added, .. CorrelationDecisions.On(current, canonical, index, options)];
    }

    public static IReadOnlyList<object> Retract(CaseFile current, Caller caller, string key, string reason, IdentifierIndex index)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        var held = index.HoldingOf(current.Id, key) ?? throw Rejection.NotFound("identifier", key, "identifier_key");
        var retracted = new SuspectIdentifierRetracted(current.Id, key, reason, held.ToCaseIdentifier());
        var retraction = CorrelationDecisions.Retraction(current, key, reason, index);
        return retraction is null ? [retracted] : [retracted, retraction];
    }
}
