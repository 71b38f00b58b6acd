using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Quality;
using Grading = EvidenceHub.Hub.Quality.Grading;
using EvidenceHub.Hub.Sharing;
using Marten;

namespace EvidenceHub.Hub.Lookup;

/// A suspect network: the connected group of cases and identifiers reached from one identifier or case, walking
/// case → its identifiers → the other cases holding them. Identifiers common among the cases the caller may see are not
/// walked (they would join everything); hidden holders never make an identifier common here. What the caller learns of each case is what CaseDisclosure.Of allows it: a case it may not see is neither
/// shown nor walked through (filtered inside the queries, so it costs what an absent case costs); a case it may only
/// contact is shown (owner, country, reference) with just the identifiers by which it was reached, never its others
/// nor its victims, and is not walked through; a case it may see in summary is shown whole and walked. The walk stops,
/// and the answer says truncated, at the configured number of cases or identifiers (Limits:Answers). An identifier a
/// case the caller leads holds is named by its value, opened under that holding's key (as GetCase names it); every
/// other stays its match key (the pseudonym), and so does every key of the access record.
public sealed class SuspectNetworks(CorrelationOptions correlation, AnswerLimits limits, TimeProvider clock)
{

    /// A network and the cases it showed, each at its level with the identifiers shown on it (for the access record).
    public sealed record Shown(SuspectNetwork Network, IReadOnlyList<Audit.DisclosedCase> Cases);

    public async Task<Shown> AroundIdentifier(IQuerySession session, HitQuery.Question start, Caller caller, CancellationToken cancellation) =>
        start.Key is null ? new Shown(new SuspectNetwork(), []) : await new Walk(session, correlation, limits, Recipient.Of(caller), clock.GetUtcNow(), cancellation).From([start.Key], []);

    public async Task<Shown> AroundCase(IQuerySession session, Guid caseId, Caller caller, CancellationToken cancellation)
    {
        var walk = new Walk(session, correlation, limits, Recipient.Of(caller), clock.GetUtcNow(), cancellation);
        var start = await walk.VisibleCase(caseId) ?? throw Rejection.NotFound("case", caseId.ToString(), "case_id");
        return await walk.From([], [start]);
    }

    /// One holding the caller may see, with its case's summary; Holders counts the cases holding the key that the caller
    /// may see (up to the common threshold), so that whether a common identifier is walked depends on them alone.
    private sealed record Reached(IdentifierHolding Holding, CaseSummary Case, long Holders);

    private sealed class Walk(IQuerySession session, CorrelationOptions correlation, AnswerLimits limits, Recipient caller, DateTimeOffset now,
        CancellationToken cancellation)
    {
        private bool truncated;
        private readonly Dictionary<Guid, (CaseSummary Summary, DisclosureLevel Level, SortedSet<string> Keys)> cases = [];
        private readonly Dictionary<string, HashSet<Guid>> holders = [];
        private readonly Dictionary<string, Identifiers.IdentifierKind> kinds = [];
        private readonly Dictionary<(Guid Case, string Key), Grading?> gradings = [];
        /// The caller's own holdings shown, by key: the key is opened from one of them.
        private readonly Dictionary<string, IdentifierHolding> own = [];

        private string Table<T>() => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;

        public async Task<CaseSummary?> VisibleCase(Guid caseId) => (await session.QueryAsync<CaseSummary>($"""
            SELECT s.data FROM {Table<CaseSummary>()} s, {DisclosureSql.RecipientRelation} AS r
            WHERE s.id = ? AND {DisclosureSql.Discloses("s.data", "r")}
            """, cancellation, [.. DisclosureSql.Parameters(caller, now), caseId])).FirstOrDefault();

        /// The holdings of the given identifiers that the caller may see, with their cases: identifier holdings and
        /// imported hash-list rows alike (ImportedMedia.HoldingsOfKey), counted alike for the common flag.
        private async Task<IReadOnlyList<Reached>> HoldingsOf(string[] keys) => await session.QueryAsync<Reached>($"""
            SELECT jsonb_build_object('Holding', h.data, 'Case', c.data,
                'Holders', (SELECT count(*) FROM (
                    SELECT DISTINCT x.data ->> 'CaseId' FROM {Media.ImportedMedia.HoldingsOfKey(Table<IdentifierHolding>(), "k.key")} AS x(data),
                         LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = CAST(x.data ->> 'CaseId' AS uuid) LIMIT 1) AS xc
                    WHERE {DisclosureSql.Discloses("xc.data", "r", "x.data")}
                    LIMIT {correlation.CommonThreshold}) AS seen))
            FROM {DisclosureSql.RecipientRelation} AS r, unnest(?::text[]) AS k(key),
                 LATERAL {Media.ImportedMedia.HoldingsOfKey(Table<IdentifierHolding>(), "k.key")} AS h(data),
                 LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = CAST(h.data ->> 'CaseId' AS uuid) LIMIT 1) AS c
            WHERE {DisclosureSql.Discloses("c.data", "r", "h.data")}
            """, cancellation, [.. DisclosureSql.Parameters(caller, now), keys]);

        /// The identifier holdings of the given cases that the caller may see, with their cases.
        private async Task<IReadOnlyList<Reached>> HoldingsOf(Guid[] caseIds) => await session.QueryAsync<Reached>($"""
            SELECT jsonb_build_object('Holding', h.data, 'Case', c.data, 'Holders', 0)
            FROM {DisclosureSql.RecipientRelation} AS r, {Table<IdentifierHolding>()} h,
                 LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = CAST(h.data ->> 'CaseId' AS uuid) LIMIT 1) AS c
            WHERE CAST(h.data ->> 'CaseId' AS uuid) = ANY(?::uuid[]) AND {DisclosureSql.Discloses("c.data", "r", "h.data")}
            """, cancellation, [.. DisclosureSql.Parameters(caller, now), caseIds]);

        /// The first imported hashes of a case (a hash list may hold millions) that the caller may see, in the order
        /// they were added: one more than the walk may show, so that a case holding more either shows them all or ends
        /// the walk truncated, as a case with too many identifiers does.
        private async Task<IReadOnlyList<Reached>> ImportedOf(Guid caseId) => await session.QueryAsync<Reached>($"""
            SELECT jsonb_build_object('Holding', h.data, 'Case', c.data, 'Holders', 0)
            FROM {DisclosureSql.RecipientRelation} AS r, ({Media.ImportedMedia.FirstHoldingsOfCase(limits.NetworkMaxIdentifiers + 1)}) AS h(data),
                 LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = ? LIMIT 1) AS c
            WHERE {DisclosureSql.Discloses("c.data", "r", "h.data")}
            """, cancellation, [.. DisclosureSql.Parameters(caller, now), caseId, caseId]);

        /// Which of the given cases hold imported hashes (few do: hash-list cases).
        private async Task<IReadOnlyList<Guid>> Importing(Guid[] caseIds) => await session.QueryAsync<Guid>(
            $"SELECT c.id FROM unnest(?::uuid[]) AS c(id) WHERE EXISTS (SELECT 1 FROM {Media.ImportedMedia.Table} i WHERE i.case_id = c.id) ORDER BY c.id",
            cancellation, caseIds);

        public async Task<Shown> From(IEnumerable<string> startKeys, IEnumerable<CaseSummary> startCases)
        {
            var frontierKeys = startKeys.ToHashSet();
            var frontierCases = new HashSet<Guid>();
            foreach (var start in startCases)
                if (Reach(start) == DisclosureLevel.Summary) frontierCases.Add(start.Id);

            while ((frontierKeys.Count > 0 || frontierCases.Count > 0) && !truncated)
            {
                if (frontierKeys.Count > 0)
                {
                    var keys = frontierKeys.ToArray();
                    frontierKeys.Clear();
                    foreach (var group in (await HoldingsOf(keys)).GroupBy(r => r.Holding.Key))
                    {
                        kinds[group.Key] = group.First().Holding.Kind;
                        // A common identifier is shown (by the cases that hold it), but its holders are not walked.
                        if (group.First().Holders >= correlation.CommonThreshold) continue;
                        foreach (var (holding, summary, _) in group)
                        {
                            if (!cases.ContainsKey(summary.Id))
                            {
                                if (cases.Count >= limits.NetworkMaxCases) { truncated = true; break; }
                                if (Reach(summary) == DisclosureLevel.Summary) frontierCases.Add(summary.Id);
                            }
                            // A case seen only for contact shows the identifiers that reached it, and no others.
                            if (cases.TryGetValue(summary.Id, out var shown) && shown.Level == DisclosureLevel.Contact) Holds(summary.Id, holding);
                        }
                        if (truncated) break;
                    }
                }

                if (frontierCases.Count > 0 && !truncated)
                {
                    var caseIds = frontierCases.ToArray();
                    frontierCases.Clear();
                    foreach (var reached in await HoldingsOf(caseIds))
                        if (Holds(reached.Holding.CaseId, reached.Holding)) frontierKeys.Add(reached.Holding.Key);
                        else if (truncated) break;
                    // A case's imported hashes one case at a time, each read up to the limit: the walk ends truncated
                    // before it would read a hash list whole.
                    foreach (var caseId in truncated ? [] : await Importing(caseIds))
                    {
                        var imported = await ImportedOf(caseId);
                        foreach (var reached in imported)
                            if (Holds(reached.Holding.CaseId, reached.Holding)) frontierKeys.Add(reached.Holding.Key);
                            else if (truncated) break;
                        // A full window may hold repeats of one hash and leave more behind it: the answer says so.
                        if (imported.Count > limits.NetworkMaxIdentifiers) truncated = true;
                        if (truncated) break;
                    }
                }
            }
            var answer = Network(truncated);
            await NameOwnByValue(answer.Network);
            return answer;
        }

        /// Renames, in the answer only, each key the caller's own case holds to its value; an erased holding keeps the key.
        private async Task NameOwnByValue(SuspectNetwork network)
        {
            if (own.Count == 0) return;
            var keys = await Erasure.SubjectKeyStore.Load(session, own.Values.Select(h => h.Subject).Distinct().ToArray(), cancellation);
            var values = own.Where(o => !o.Value.CanonicalValue.IsErased(keys)).ToDictionary(o => o.Key, o => new CanonicalIdentifier(o.Value.Kind,
                o.Value.CanonicalValue.Open(keys, nameof(SuspectIdentifierAdded.CanonicalValue)), o.Value.Qualifier).Key);
            string Named(string key) => values.GetValueOrDefault(key, key);
            foreach (var identifier in network.Identifiers) identifier.Key = Named(identifier.Key);
            foreach (var shownCase in network.Cases)
            {
                var renamed = shownCase.IdentifierKeys.Select(Named).ToList();
                shownCase.IdentifierKeys.Clear();
                shownCase.IdentifierKeys.AddRange(renamed);
                var gradings = shownCase.Gradings.ToDictionary(g => Named(g.Key), g => g.Value);
                shownCase.Gradings.Clear();
                shownCase.Gradings.Add(gradings);
            }
        }

        private DisclosureLevel Reach(CaseSummary summary)
        {
            var level = CaseDisclosure.Of(summary, caller, now);
            if (level != DisclosureLevel.None) cases[summary.Id] = (summary, level, new SortedSet<string>(StringComparer.Ordinal));
            return level;
        }

        /// Shows the identifier on the case; true when the network did not show it before (it is to be walked). An
        /// identifier past the limit is not shown, and the walk ends truncated.
        private bool Holds(Guid caseId, IdentifierHolding holding)
        {
            var isNew = !holders.TryGetValue(holding.Key, out var held);
            if (isNew && holders.Count >= limits.NetworkMaxIdentifiers)
            {
                truncated = true;
                return false;
            }
            kinds[holding.Key] = holding.Kind;
            cases[caseId].Keys.Add(holding.Key);
            if (cases[caseId].Summary.Party.IsLedBy(caller.Unit) && Erasure.IdentifierPseudonym.IsPseudonym(holding.Key)) own.TryAdd(holding.Key, holding);
            gradings[(caseId, holding.Key)] = holding.Grading;
            if (isNew) holders[holding.Key] = held = [];
            held!.Add(caseId);
            return isNew;
        }

        private Shown Network(bool truncated)
        {
            var network = new SuspectNetwork { Truncated = truncated };
            network.Identifiers.AddRange(holders.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new NetworkIdentifier
            {
                Key = h.Key, Kind = IdentifierMapping.ToProto(kinds[h.Key]), CaseCount = h.Value.Count,
            }));
            network.Cases.AddRange(cases.Values.OrderBy(c => c.Summary.OwnerUnit, StringComparer.Ordinal).ThenBy(c => c.Summary.Reference, StringComparer.Ordinal).Select(c => new NetworkCase
            {
                CaseReference = c.Summary.Reference, OwnerUnit = c.Summary.OwnerUnit, OwnerCountry = c.Summary.OwnerCountry,
                IdentifierKeys = { c.Keys },
                Gradings = { c.Keys.ToDictionary(k => k, k => GradingMapping.ToProto(gradings[(c.Summary.Id, k)])) },
            }));
            // Victim counts only of the cases the caller may see in summary.
            var victims = cases.Values.Where(c => c.Level == DisclosureLevel.Summary).SelectMany(c => c.Summary.VictimsByCountry)
                .GroupBy(v => v.Key, v => v.Value).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            network.VictimsByCountry.AddRange(victims.Select(g => new CountryVictims { Country = g.Key, Victims = g.Sum() }));
            network.Countries.AddRange(cases.Values.Select(c => c.Summary.OwnerCountry).Concat(victims.Select(g => g.Key)).Distinct().Order(StringComparer.Ordinal));
            return new Shown(network, cases.Values.Select(c => new Audit.DisclosedCase(c.Summary.Id, c.Summary.OwnerUnit, c.Level, c.Keys.ToArray())).ToList());
        }
    }
}
