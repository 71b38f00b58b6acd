using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Sharing;
using Marten;

namespace EvidenceHub.Hub.Correlation;

public sealed class CorrelationOptions
{
    /// An identifier held by this many cases is common (a shared decoy number, a platform's support address): it stops
    /// generating correlations, so that the index does not explode on it.
    public int CommonThreshold { get; set; } = 100;
}

/// What the hub knows of some identifiers while a command decides on them: the cases that hold them and the
/// correlations already recorded. Loaded under a PostgreSQL advisory lock per identifier, held until the transaction
/// ends, so that two units adding the same identifier at once (on any hub instance) are serialised and see each other.
public sealed class IdentifierIndex
{
    private readonly Dictionary<string, List<CaseParty>> holders;
    private readonly Dictionary<string, IdentifierCorrelations> correlations;

    private IdentifierIndex(Dictionary<string, List<CaseParty>> holders, Dictionary<string, IdentifierCorrelations> correlations)
    {
        this.holders = holders;
        this.correlations = correlations;
    }

    public static readonly IdentifierIndex Empty = new([], []);

    public bool Covers(string key) => holders.ContainsKey(key);

    public IReadOnlyList<CaseParty> HoldersOf(string key) => holders.TryGetValue(key, out var found)
        ? found
        : throw new KeyNotLoaded(key);

    public IReadOnlyList<IdentifierCorrelations.Pair> CorrelationsOn(string key) =>
        correlations.TryGetValue(key, out var found) ? found.Correlations : [];

    public bool IsCommon(string key) => correlations.TryGetValue(key, out var found) && found.Common;

    public IReadOnlyList<string> NotToCorrelateBy(string key) =>
        correlations.TryGetValue(key, out var found) ? found.NotToCorrelateBy : [];

    /// Takes the locks (in key order, so two transactions never wait on each other in a circle) and reads the index.
    public static async Task<IdentifierIndex> LockAndLoad(IDocumentSession session, IReadOnlyCollection<string> keys, CancellationToken cancellation)
    {
        if (keys.Count == 0) return Empty;
        var ordered = keys.Distinct().Order(StringComparer.Ordinal).ToArray();
        await session.QueryAsync<long>(
            "select count(*) from (select pg_advisory_xact_lock(hashtextextended(k, 7)) from (select unnest(?::text[]) as k order by 1) sorted) locked",
            cancellation, [ordered]);

        var batch = session.CreateBatchQuery();
        var holdings = batch.Query<IdentifierHolding>().Where(h => ordered.Contains(h.Key)).ToList();
        var streams = batch.LoadMany<IdentifierCorrelations>().ById(ordered.Select(IdentifierCorrelations.StreamIdFor).ToArray());
        await batch.Execute(cancellation);

        var held = await holdings;
        var files = held.Count == 0
            ? []
            : await session.LoadManyAsync<CaseFile>(cancellation, held.Select(h => h.CaseId).Distinct().ToArray());
        var parties = files.ToDictionary(f => f.Id, CaseParty.Of);
        return new IdentifierIndex(
            ordered.ToDictionary(k => k, k => held.Where(h => h.Key == k && parties.ContainsKey(h.CaseId)).Select(h => parties[h.CaseId]).ToList()),
            (await streams).ToDictionary(c => c.Key));
    }

    /// Reflects a decided event, so that the next command of the same burst decides on it.
    public void Record(object @event, CaseFile? caseAfter)
    {
        switch (@event)
        {
            case SuspectIdentifierAdded added when caseAfter is not null && holders.TryGetValue(added.Key, out var list):
                list.Add(CaseParty.Of(caseAfter));
                break;
            case SuspectIdentifierRetracted retracted when holders.TryGetValue(retracted.Key, out var list):
                list.RemoveAll(p => p.CaseId == retracted.CaseId);
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

    /// A command of a burst reached for an identifier whose lock the burst did not take: the burst runs one by one.
    public sealed class KeyNotLoaded(string key) : Exception($"The identifier index was not loaded for {key}.");
}
