using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Identifiers;

public static class IdentifierDecisions
{
    /// The same canonical identifier added twice to one case is one identifier: the second time nothing is appended.
    public static IReadOnlyList<object> Add(CaseFile current, Caller caller, RawIdentifier raw, CanonicalIdentifier canonical)
    {
        CaseDecisions.EnsureOwnerMayChange(current, caller);
        if (current.FindIdentifier(canonical.Key) is not null) return [];
        return [new SuspectIdentifierAdded(current.Id, canonical.Kind, canonical.Value, canonical.Qualifier, canonical.Key,
            raw.Value, raw.Platform, raw.ObservedAt)];
    }
}
