using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Quality;
using Grading = EvidenceHub.Hub.Quality.Grading;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Identifiers;

/// The owner or a co-lead ties a suspect identifier to the case (recorded as added by its unit; it correlates as the
/// case's, against the case's country and policy). The same canonical identifier added twice to one case is one
/// identifier: the second time nothing is appended. A new identifier is correlated with every other case that holds it,
/// unless it is common or a unit marked it not to correlate.
public sealed record AddSuspectIdentifier(RawIdentifier Raw, CorrelationOptions Options, CaseLimits Limits, Grading? Grading = null) : Command
{
    public static AddSuspectIdentifier From(AddSuspectIdentifierRequest request, Caller caller, CaseTarget target, CorrelationOptions options, CaseLimits limits)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var raw = IdentifierMapping.RawOf(request.Identifier);
        return new AddSuspectIdentifier(raw, options, limits, GradingMapping.Of(request.Grading))
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    // Canonicalised against the case's country (a national phone format means that country's numbers), and
    // remembered: the keys to lock and the decision both need it, and canonicalising is not free.
    private (string Country, CanonicalIdentifier Identifier)? canonical;

    private CanonicalIdentifier CanonicalFor(CaseFile file)
    {
        if (canonical?.Country != file.OwnerCountry) canonical = (file.OwnerCountry, IdentifierMapping.Canonicalize(Raw, file.OwnerCountry));
        return canonical.Value.Identifier;
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => state is null ? [] : [CanonicalFor(state).Key];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        var identifier = CanonicalFor(current);
        CaseRules.EnsureLeadMayAdd(current, Caller);
        if (index.HoldingOf(current.Id, identifier.Key) is { } held) return new([], ResultOf(current, index, held.ToCaseIdentifier(), [], Options, Caller.UnitId));
        if (index.ActiveIdentifiersOf(current.Id) >= Limits.MaxActiveIdentifiers)
            throw CaseLimitReached.Identifiers(current.Id, Limits.MaxActiveIdentifiers);
        var added = new SuspectIdentifierAdded(current.Id, identifier.Kind, identifier.Value, identifier.Qualifier, identifier.Key,
            Raw.Value, Raw.Platform, Raw.ObservedAt, Grading);
        var correlations = Correlate(current, identifier, index, Grading, Options);
        // A new identifier's time is the event's, set by the database on commit: GetCase shows it.
        return new([added, .. correlations], ResultOf(current, index, CaseIdentifier.From(added, default, Caller.UnitId, version: 0), correlations, Options, Caller.UnitId));
    }

    /// Correlations with every other holder; none once the identifier is common (flagged the first time it is), and
    /// none with or for a unit that marked the value not to correlate.
    /// Also used by ReplaceSuspectIdentifier: the correction is correlated like any new identifier.
    internal static IReadOnlyList<IIdentifierEvent> Correlate(CaseFile adding, CanonicalIdentifier identifier, LockedIdentifiers index, Grading? grading, CorrelationOptions options)
    {
        if (index.IsCommon(identifier.Key)) return [];
        var holderCount = index.HolderCount(identifier.Key, otherThan: adding.Id);
        if (holderCount >= options.CommonThreshold) return [new IdentifierFlaggedCommon(identifier.Key, holderCount + 1)];
        var others = index.HoldersOf(identifier.Key).Where(h => h.CaseId != adding.Id).ToList();

        var declined = index.NotToCorrelateBy(identifier.Key);
        if (declined.Contains(adding.OwnerUnit)) return [];
        var me = CaseParty.Of(adding);
        return others.Where(other => !declined.Contains(other.Unit))
            .Select(other => new CorrelationFound(identifier.Key, identifier.Kind, me, other, grading, index.HoldingOf(other.CaseId, identifier.Key)?.Grading))
            .ToList();
    }

    /// The answer to the unit that added (the owner or a co-lead), by what that unit may see.
    internal static CommandResult ResultOf(CaseFile current, LockedIdentifiers index, CaseIdentifier identifier, IReadOnlyList<IIdentifierEvent> correlations,
        CorrelationOptions options, string addingUnit) => new()
    {
        Identifier = IdentifierMapping.ToProto(identifier),
        // What the unit's feed will say, and no more: a value held only by cases it may not see answers exactly like
        // a value nobody holds.
        Correlations = correlations.OfType<CorrelationFound>().Count(found => CaseDisclosure.Of(found.Holding, new Recipient(addingUnit)) != DisclosureLevel.None),
        // Common by the holders the unit may see (its own included), never by hidden ones: otherwise a unit holding a
        // value in enough cases of its own would learn whether a hidden case holds it.
        Common = index.VisibleOtherHolders(identifier.Key, current.Id) >= options.CommonThreshold,
    };
}
