using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Sharing;
using Marten;
using Marten.Services.BatchQuerying;

namespace EvidenceHub.Hub.Correlation;

/// What the hub knows of some identifiers while a command decides on them: the cases that hold them (the deciding
/// case included: whether it already holds an identifier is read here, not from its case file) and the correlations
/// already recorded. Loaded under a PostgreSQL advisory lock per identifier, held until the transaction
/// ends, so that two units adding the same identifier at once (on any hub instance) are serialised and see each other.
public sealed class LockedIdentifiers
{
    private readonly Dictionary<string, Dictionary<Guid, IdentifierHolding>> holdings;
    private readonly Dictionary<string, List<CaseParty>> holders;
    private readonly Dictionary<string, IdentifierCorrelations> correlations;
    private readonly Dictionary<Guid, int> activeIdentifiers;
    private readonly Dictionary<Guid, CaseParty> parties;
    private readonly Dictionary<string, int> visibleToCaller;

    private LockedIdentifiers(Dictionary<string, Dictionary<Guid, IdentifierHolding>> holdings, Dictionary<string, List<CaseParty>> holders,
        Dictionary<string, IdentifierCorrelations> correlations, Dictionary<Guid, int> activeIdentifiers, Dictionary<Guid, CaseParty> parties,
        Dictionary<string, int> visibleToCaller)
    {
        this.holdings = holdings;
        this.holders = holders;
        this.correlations = correlations;
        this.activeIdentifiers = activeIdentifiers;
        this.parties = parties;
        this.visibleToCaller = visibleToCaller;
    }

    public static LockedIdentifiers Empty => new([], [], [], [], [], []);

    /// The given identifiers and cases with nothing held yet, for deciding without a database (the decider tests):
    /// Record then reflects events into it, as a burst does.
    public static LockedIdentifiers InMemory(IEnumerable<string> keys, IEnumerable<Guid> cases)
    {
        var loaded = keys.Distinct().ToArray();
        return new(loaded.ToDictionary(k => k, _ => new Dictionary<Guid, IdentifierHolding>()), loaded.ToDictionary(k => k, _ => new List<CaseParty>()),
            [], cases.Distinct().ToDictionary(c => c, _ => 0), [], loaded.ToDictionary(k => k, _ => 0));
    }

    /// How many active identifiers the case holds (for the per-case limit); read for the cases the command names.
    public int ActiveIdentifiersOf(Guid caseId) => activeIdentifiers.TryGetValue(caseId, out var count)
        ? count
        : throw new InvalidOperationException($"The identifiers were not locked and loaded for case {caseId}.");

    /// The case as others know it now (its current owner, after any handoff), for the cases holding the loaded
    /// identifiers and those correlated on them; null for a case the index did not read.
    public CaseParty? PartyOf(Guid caseId) => parties.GetValueOrDefault(caseId);

    /// How many cases other than the given one (the caller's own) hold the identifier and may be seen (at least whom to
    /// contact) by the calling unit, counted up to the common threshold: what a write result may say about the
    /// identifier's other holders rests on these alone, never on cases the caller may not see.
    public int VisibleOtherHolders(string key, Guid caseId)
    {
        var visible = visibleToCaller.TryGetValue(key, out var count)
            ? count
            : throw new InvalidOperationException($"The identifiers were loaded without a caller for {key}.");
        return Math.Max(0, visible - (HoldingOf(caseId, key) is null ? 0 : 1));
    }

    /// How many cases other than the given one hold the identifier.
    public int HolderCount(string key, Guid otherThan)
    {
        var cases = HoldingsOf(key);
        return cases.Count - (cases.ContainsKey(otherThan) ? 1 : 0);
    }

    /// The case's holding of the identifier, if it holds it (retracted identifiers are held no more).
    public IdentifierHolding? HoldingOf(Guid caseId, string key) => HoldingsOf(key).GetValueOrDefault(caseId);

    /// The loaded holdings of one case, in the order they were added: every identifier it holds when the command
    /// locked them all (LocksEveryIdentifierOfItsCase).
    public IReadOnlyList<IdentifierHolding> HoldingsOfCase(Guid caseId) =>
        holdings.Values.Select(cases => cases.GetValueOrDefault(caseId)).OfType<IdentifierHolding>().OrderBy(h => h.AddedAtVersion).ToList();

    /// The keys of every identifier the given cases hold, and of every correlation through them: an imported hash list
    /// holds its hashes in rows, not holdings (a million keys are not locked), but whoever was told of a correlation on
    /// one of them must be reached by a change of the whole case (erasure, restriction, narrowing) like any other.
    public static async Task<IReadOnlyList<string>> KeysHeldBy(IDocumentSession session, IReadOnlyCollection<Guid> caseIds, CancellationToken cancellation)
    {
        var held = await session.Query<IdentifierHolding>().Where(h => caseIds.Contains(h.CaseId)).Select(h => h.Key).ToListAsync(cancellation);
        var correlations = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(IdentifierCorrelations)).TableName.QualifiedName;
        var correlated = await session.QueryAsync<string>(
            $"SELECT c.data ->> 'Key' FROM {correlations} c WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(c.data -> 'Correlations') p " +
            "WHERE CAST(p ->> 'AddingCase' AS uuid) = ANY(?) OR CAST(p ->> 'HoldingCase' AS uuid) = ANY(?))",
            cancellation, caseIds.ToArray(), caseIds.ToArray());
        return [.. held.Union(correlated)];
    }

    private Dictionary<Guid, IdentifierHolding> HoldingsOf(string key) =>
        holdings.TryGetValue(key, out var cases) ? cases : throw new KeyNotLoaded(key);

    /// The holders as other units may come to know them; empty for a common identifier, which correlates no more.
    public IReadOnlyList<CaseParty> HoldersOf(string key) => holders.TryGetValue(key, out var found)
        ? found
        : throw new KeyNotLoaded(key);

    public IReadOnlyList<IdentifierCorrelations.Pair> CorrelationsOn(string key) =>
        correlations.TryGetValue(key, out var found) ? found.Correlations : [];

    /// Everyone told of a correlation on the identifier through the given case: the other cases, each reached at the
    /// units that lead it now (its owner after any handoff, and its co-leads), not at the unit that held it then.
    public IReadOnlyList<CorrelationRetracted.Recipient> ToldThrough(string key, Guid caseId) => CorrelationsOn(key)
        .Where(p => p.AddingCase == caseId || p.HoldingCase == caseId)
        .Select(p => p.AddingCase == caseId ? (Case: p.HoldingCase, Then: p.HoldingUnit) : (Case: p.AddingCase, Then: p.AddingUnit))
        .SelectMany(other => (PartyOf(other.Case)?.LeadUnits() ?? [other.Then]).Select(unit => new CorrelationRetracted.Recipient(unit, other.Case)))
        .Distinct()
        .ToList();

    public bool IsCommon(string key) => correlations.TryGetValue(key, out var found) && found.Common;

    public IReadOnlyList<string> NotToCorrelateBy(string key) =>
        correlations.TryGetValue(key, out var found) ? found.NotToCorrelateBy : [];

    /// Takes the locks (in key order, so two transactions never wait on each other in a circle) and reads the index.
    /// The cases behind a common identifier are not read: nothing will be correlated with them. For the calling unit's
    /// write result, the same batch counts (with the disclosure predicate) the holders it may see.
    public static async Task<LockedIdentifiers> LockAndLoad(IDocumentSession session, IReadOnlyCollection<string> keys, CorrelationOptions options,
        IReadOnlyCollection<Guid> cases, CancellationToken cancellation, Recipient? caller = null, DateTimeOffset now = default)
    {
        if (keys.Count == 0) return Empty;
        var ordered = keys.Distinct().Order(StringComparer.Ordinal).ToArray();
        // A hash key is locked after the hash-list lock (shared): '' sorts first and stands for it.
        string[] locking = ordered.Any(Media.HashListLock.Covers) ? ["", .. ordered] : ordered;
        await session.QueryAsync<long>(
            $"select count(*) from (select case when k = '' then {Media.HashListLock.SharedCall} else pg_advisory_xact_lock(hashtextextended(k, 7)) end " +
            "from (select unnest(?::text[]) as k order by 1) sorted) locked",
            cancellation, [locking]);

        var batch = session.CreateBatchQuery();
        var holdings = batch.Query<IdentifierHolding>().Where(h => ordered.Contains(h.Key)).ToList();
        var imported = batch.Query<IdentifierHolding>(Media.ImportedMedia.HoldingsOf, [ordered]);
        var streams = batch.LoadMany<IdentifierCorrelations>().ById(ordered.Select(IdentifierCorrelations.StreamIdFor).ToArray());
        var holdingTable = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(IdentifierHolding)).TableName.QualifiedName;
        var counting = batch.Query<CaseCount>(
            $"SELECT jsonb_build_object('CaseId', c, 'Count', count(*)) FROM (SELECT CAST(data ->> 'CaseId' as uuid) AS c FROM {holdingTable} " +
            "WHERE CAST(data ->> 'CaseId' as uuid) = ANY(?)) h GROUP BY c", cases.Distinct().ToArray());
        var visibleCounts = caller is null ? null : VisibleHolders(session, batch, ordered, caller, now, options);
        await batch.Execute(cancellation);
        var counts = cases.Distinct().ToDictionary(c => c, _ => 0);
        foreach (var count in await counting) counts[count.CaseId] = count.Count;

        // A case holding a hash both ways holds it once (its own holding first).
        var held = (await holdings).Concat(await imported).DistinctBy(h => h.Id).ToLookup(h => h.Key);
        var streamsByKey = (await streams).ToDictionary(c => c.Key);
        var casesByKey = ordered.ToDictionary(k => k, k => held[k].ToDictionary(h => h.CaseId));
        var correlating = casesByKey
            .Where(k => !(streamsByKey.TryGetValue(k.Key, out var stream) && stream.Common) && k.Value.Count <= options.CommonThreshold)
            .ToDictionary(k => k.Key, k => k.Value.Keys);
        // The correlated cases too: a retraction reaches their current owners.
        var caseIds = correlating.Values.SelectMany(ids => ids)
            .Concat(streamsByKey.Values.SelectMany(c => c.Correlations).SelectMany(p => new[] { p.AddingCase, p.HoldingCase }))
            .Distinct().ToArray();
        var parties = caseIds.Length == 0
            ? []
            : (await session.LoadManyAsync<CaseSummary>(cancellation, caseIds)).ToDictionary(f => f.Id, f => f.Party);
        var visible = visibleCounts is null ? [] : (await visibleCounts).ToDictionary(v => v.Key, v => v.Count);
        return new LockedIdentifiers(
            casesByKey,
            // A restricted case or identifier is held, but correlates with nothing. In a fixed order (the rows come as
            // stored, and storage order depends on every case, seen or not): the order of a unit's notices must not.
            ordered.ToDictionary(k => k, k => correlating.TryGetValue(k, out var ids)
                ? ids.Where(id => parties.TryGetValue(id, out var party) && !party.Restricted && !casesByKey[k][id].Restricted).Select(id => parties[id])
                    .OrderBy(p => p.Unit, StringComparer.Ordinal).ThenBy(p => p.Reference, StringComparer.Ordinal).ThenBy(p => p.CaseId).ToList()
                : []),
            streamsByKey,
            counts,
            parties,
            caller is null ? [] : ordered.ToDictionary(k => k, k => visible.GetValueOrDefault(k)));
    }

    private sealed record VisibleCount(string Key, int Count);

    /// Per identifier, how many cases holding it the caller may see, counted up to one past the common threshold (the
    /// caller's own case may be among them): enough to tell whether its other visible holders make the value common.
    private static Task<IReadOnlyList<VisibleCount>> VisibleHolders(IDocumentSession session, IBatchedQuery batch, string[] keys, Recipient caller,
        DateTimeOffset now, CorrelationOptions options)
    {
        string Table<T>() => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        var sql = $"""
            SELECT jsonb_build_object('Key', k, 'Count', (SELECT count(*) FROM (
                SELECT 1 FROM {Table<IdentifierHolding>()} h,
                     LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = CAST(h.data ->> 'CaseId' AS uuid) LIMIT 1) AS c
                WHERE h.data ->> 'Key' = k AND {DisclosureSql.Discloses("c.data", "r", "h.data")}
                LIMIT {options.CommonThreshold + 1}) AS seen))
            FROM {DisclosureSql.RecipientRelation} AS r, unnest(?::text[]) AS k
            """;
        return batch.Query<VisibleCount>(sql, [.. DisclosureSql.Parameters(caller, now), keys]);
    }

    private sealed record CaseCount(Guid CaseId, int Count);

    /// Reflects a decided event, so that the next command of the same burst decides on it; unit: the unit that
    /// decided it (an identifier is recorded as added by it), the case's owner when not given.
    public void Record(object @event, CaseFile? caseAfter, CaseRevision revision, string? unit = null)
    {
        switch (@event)
        {
            case SuspectIdentifierAdded added when caseAfter is not null && holders.TryGetValue(added.Key, out var list):
                holdings[added.Key][added.CaseId] = IdentifierHolding.From(added, revision.UpdatedAt, unit ?? caseAfter.OwnerUnit, revision.Version);
                list.Add(CaseParty.Of(caseAfter));
                activeIdentifiers[added.CaseId] = activeIdentifiers.GetValueOrDefault(added.CaseId) + 1;
                parties[added.CaseId] = CaseParty.Of(caseAfter);
                // The burst's own unit added it, and a unit sees its own cases.
                if (visibleToCaller.TryGetValue(added.Key, out var visible)) visibleToCaller[added.Key] = visible + 1;
                break;
            case SuspectIdentifierRetracted retracted when holders.TryGetValue(retracted.Key, out var list):
                Release(retracted.CaseId, retracted.Key, list);
                break;
            // An erased holding is held no more, like a retracted one.
            case SuspectIdentifierErased erased when holders.TryGetValue(erased.Key, out var list):
                Release(erased.CaseId, erased.Key, list);
                break;
            case Restriction.DataRestricted restricted:
                Restrict(restricted.CaseId, restricted.What, caseAfter, true);
                break;
            case Restriction.RestrictionLifted lifted:
                Restrict(lifted.CaseId, lifted.What, caseAfter, false);
                break;
            case IdentifierRegraded regraded when holdings.TryGetValue(regraded.Key, out var byCase) && byCase.TryGetValue(regraded.CaseId, out var holding):
                holding.Grading = regraded.Grading;
                break;
            case IIdentifierEvent identifierEvent:
                var stream = correlations.TryGetValue(identifierEvent.Key, out var existing)
                    ? existing
                    : correlations[identifierEvent.Key] = new IdentifierCorrelations { Key = identifierEvent.Key };
                switch (identifierEvent)
                {
                    case CorrelationFound found: stream.Apply(found); break;
                    case CorrelationRetracted retraction: stream.Apply(retraction); break;
                    case IdentifierMarkedNotToCorrelate marked: stream.Apply(marked); break;
                    case IdentifierFlaggedCommon flagged: stream.Apply(flagged); break;
                }
                break;
        }
    }

    private void Release(Guid caseId, string key, List<CaseParty> list)
    {
        holdings[key].Remove(caseId);
        list.RemoveAll(p => p.CaseId == caseId);
        activeIdentifiers[caseId] = activeIdentifiers.GetValueOrDefault(caseId) - 1;
        // Its own case, counted (past the cap this may count one too few: a write result then says less, never more).
        if (visibleToCaller.TryGetValue(key, out var seen)) visibleToCaller[key] = Math.Max(0, seen - 1);
    }

    /// A restriction or its end, for the next command of the burst: the holding's flag, the case as others know it, and
    /// whether the case's holdings correlate.
    private void Restrict(Guid caseId, Restriction.RestrictedData what, CaseFile? caseAfter, bool restricted)
    {
        if (caseAfter is not null && parties.ContainsKey(caseId)) parties[caseId] = CaseParty.Of(caseAfter);
        foreach (var (key, cases) in holdings)
        {
            if (!cases.TryGetValue(caseId, out var holding) || (what.IdentifierKey is { } only && only != key)) continue;
            if (what.Scope == Restriction.RestrictionScope.Identifier) holding.Restricted = restricted;
            if (what.Scope == Restriction.RestrictionScope.VictimLink || !holders.TryGetValue(key, out var list)) continue;
            list.RemoveAll(p => p.CaseId == caseId);
            if (caseAfter is { Restricted: false } && !holding.Restricted) list.Add(CaseParty.Of(caseAfter));
        }
    }

    /// A command of a burst reached for an identifier whose lock the burst did not take: the burst runs one by one.
    public sealed class KeyNotLoaded(string key) : Exception($"The identifiers were not locked and loaded for {key}.");
}
