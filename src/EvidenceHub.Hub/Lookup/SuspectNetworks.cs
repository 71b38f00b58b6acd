using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using Marten;

namespace EvidenceHub.Hub.Lookup;

/// A suspect network: the connected group of cases and identifiers reached from one identifier or case, walking
/// case → its identifiers → the other cases holding them. Common identifiers are not walked (they would join
/// everything), and a case the caller may not see is neither shown nor walked through, so that its links stay hidden.
/// The walk stops, and the answer says truncated, at the configured number of cases or identifiers (Limits:Answers).
public sealed class SuspectNetworks(CorrelationOptions correlation, AnswerLimits limits)
{

    public async Task<SuspectNetwork> AroundIdentifier(IQuerySession session, Hits.Question start, Caller caller, CancellationToken cancellation) =>
        start.Key is null ? new SuspectNetwork() : await Walk(session, [start.Key], [], caller, cancellation);

    public async Task<SuspectNetwork> AroundCase(IQuerySession session, Guid caseId, Caller caller, CancellationToken cancellation)
    {
        // Only a case stream has a summary; a case the caller may not see answers exactly as one that does not exist.
        var file = await session.LoadAsync<CaseSummary>(caseId, cancellation);
        if (file is null || Level(file, caller) == DisclosureLevel.None)
            throw Rejection.NotFound("case", caseId.ToString(), "case_id");
        return await Walk(session, [], [caseId], caller, cancellation);
    }

    private async Task<SuspectNetwork> Walk(IQuerySession session, IEnumerable<string> startKeys, IEnumerable<Guid> startCases, Caller caller, CancellationToken cancellation)
    {
        var cases = new Dictionary<Guid, (CaseSummary Summary, List<string> Keys)>();
        var holders = new Dictionary<string, HashSet<Guid>>();
        var kinds = new Dictionary<string, Identifiers.IdentifierKind>();
        var frontierKeys = startKeys.ToHashSet();
        var frontierCases = startCases.ToHashSet();
        var truncated = false;

        while ((frontierKeys.Count > 0 || frontierCases.Count > 0) && !truncated)
        {
            if (frontierKeys.Count > 0)
            {
                var keys = frontierKeys.ToArray();
                var holdings = await session.Query<IdentifierHolding>().Where(h => keys.Contains(h.Key)).ToListAsync(cancellation);
                foreach (var group in holdings.GroupBy(h => h.Key))
                {
                    kinds[group.Key] = group.First().Kind;
                    // A common identifier is shown, but its holders are not walked.
                    if (group.Count() >= correlation.CommonThreshold) continue;
                    foreach (var holding in group)
                        if (!cases.ContainsKey(holding.CaseId)) frontierCases.Add(holding.CaseId);
                }
                frontierKeys.Clear();
            }

            var newCases = frontierCases.Where(id => !cases.ContainsKey(id)).ToArray();
            frontierCases.Clear();
            if (newCases.Length == 0) break;
            // The new cases' summaries and their identifiers (from the index) in one round trip.
            var batch = session.CreateBatchQuery();
            var loadingSummaries = batch.LoadMany<CaseSummary>().ById(newCases);
            var loadingHoldings = batch.Query<IdentifierHolding>().Where(h => newCases.Contains(h.CaseId)).ToList();
            await batch.Execute(cancellation);
            var identifiersByCase = (await loadingHoldings).ToLookup(h => h.CaseId);
            foreach (var file in await loadingSummaries)
            {
                if (Level(file, caller) == DisclosureLevel.None) continue;
                if (cases.Count >= limits.NetworkMaxCases ||
                    holders.Count + identifiersByCase[file.Id].Count(h => !holders.ContainsKey(h.Key)) > limits.NetworkMaxIdentifiers)
                {
                    truncated = true;
                    break;
                }
                cases[file.Id] = (file, identifiersByCase[file.Id].Select(h => h.Key).ToList());
                foreach (var identifier in identifiersByCase[file.Id])
                {
                    kinds[identifier.Key] = identifier.Kind;
                    if (!holders.TryGetValue(identifier.Key, out var held)) holders[identifier.Key] = held = [];
                    if (held.Count == 0) frontierKeys.Add(identifier.Key);
                    held.Add(file.Id);
                }
            }
        }

        var network = new SuspectNetwork { Truncated = truncated };
        network.Identifiers.AddRange(holders.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new NetworkIdentifier
        {
            Key = h.Key, Kind = IdentifierRequests.ToProto(kinds[h.Key]), CaseCount = h.Value.Count,
        }));
        network.Cases.AddRange(cases.Values.OrderBy(c => c.Summary.OwnerUnit).ThenBy(c => c.Summary.Reference).Select(c => new NetworkCase
        {
            CaseReference = c.Summary.Reference, OwnerUnit = c.Summary.OwnerUnit, OwnerCountry = c.Summary.OwnerCountry,
            IdentifierKeys = { c.Keys.Order(StringComparer.Ordinal) },
        }));
        var victims = cases.Values.SelectMany(c => c.Summary.VictimsByCountry)
            .GroupBy(v => v.Key, v => v.Value).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        network.VictimsByCountry.AddRange(victims.Select(g => new CountryVictims { Country = g.Key, Victims = g.Sum() }));
        network.Countries.AddRange(cases.Values.Select(c => c.Summary.OwnerCountry).Concat(victims.Select(g => g.Key)).Distinct().Order());
        return network;
    }

    /// Auditors see every case; units see what correlation would tell them; partners what a lookup would.
    private static DisclosureLevel Level(CaseSummary file, Caller caller) =>
        caller.Is(Roles.Auditor) ? DisclosureLevel.Summary
        : caller.Is(Roles.Unit) ? DisclosureRules.ForCorrelation(file.Party, caller.UnitId)
        : DisclosureRules.ForLookup(file.Party, caller.UnitId);
}
