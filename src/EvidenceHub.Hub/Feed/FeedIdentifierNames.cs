using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Identifiers;
using Google.Protobuf.Collections;
using Marten;

namespace EvidenceHub.Hub.Feed;

/// Stored feed items name identifiers by match key (pseudonym), so that no stored item holds a value another unit's
/// erasure would have to reach. As they are delivered, each is named to its recipient by the recipient's own key of
/// the identifier: opened from the holding of the recipient's own case named in the item (your_case_id), with that
/// case's keys, in two queries per page. An identifier the recipient asked the hub about by value itself (a partner's
/// lookup, FeedEntry.ByValue) is named by that value, opened from the holding of the case the item is about: the
/// recipient learns no value it did not tell the hub. A key the recipient's case no longer holds (retracted, erased),
/// or that names no case of the recipient and was not asked by value, stays the pseudonym: never another unit's value.
public static class FeedIdentifierNames
{
    private sealed record Named(Guid Case, string Key, Action<string> Rename);

    /// items: the page's entries as delivered, in the page's order.
    public static async Task NameForRecipient(IQuerySession session, IReadOnlyList<FeedEntry> page, IReadOnlyList<FeedItem> items, CancellationToken cancellation)
    {
        var named = items.SelectMany(Names).Concat(page.Zip(items).SelectMany(p => AskedByValue(p.First, p.Second)))
            .Where(n => IdentifierPseudonym.IsPseudonym(n.Key)).ToList();
        if (named.Count == 0) return;
        var holdings = (await session.LoadManyAsync<IdentifierHolding>(cancellation, named.Select(n => IdentifierHolding.IdFor(n.Case, n.Key)).Distinct()))
            .ToDictionary(h => h.Id);
        if (holdings.Count == 0) return;
        var keys = await SubjectKeyStore.Load(session, holdings.Values.Select(h => h.Subject).ToArray(), cancellation);
        foreach (var name in named)
            if (holdings.TryGetValue(IdentifierHolding.IdFor(name.Case, name.Key), out var holding) && !holding.CanonicalValue.IsErased(keys))
                name.Rename(new CanonicalIdentifier(holding.Kind, holding.CanonicalValue.Open(keys, nameof(SuspectIdentifierAdded.CanonicalValue)), holding.Qualifier).Key);
    }

    private static IEnumerable<Named> Names(FeedItem item) => item.ItemCase switch
    {
        FeedItem.ItemOneofCase.Correlation => One(item.Correlation.YourCaseId, item.Correlation.IdentifierKey, k => item.Correlation.IdentifierKey = k),
        FeedItem.ItemOneofCase.Retraction => One(item.Retraction.YourCaseId, item.Retraction.IdentifierKey, k => item.Retraction.IdentifierKey = k),
        FeedItem.ItemOneofCase.Regrading => One(item.Regrading.YourCaseId, item.Regrading.IdentifierKey, k => item.Regrading.IdentifierKey = k),
        FeedItem.ItemOneofCase.Erasure => One(item.Erasure.YourCaseId, item.Erasure.IdentifierKey, k => item.Erasure.IdentifierKey = k),
        FeedItem.ItemOneofCase.Correction => One(item.Correction.YourCaseId, item.Correction.IdentifierKey, k => item.Correction.IdentifierKey = k)
            .Concat(One(item.Correction.YourCaseId, item.Correction.ReplacementKey, k => item.Correction.ReplacementKey = k)),
        FeedItem.ItemOneofCase.Restriction => Each(item.Restriction.YourCaseIds, item.Restriction.IdentifierKeys),
        FeedItem.ItemOneofCase.SharingNarrowed => Each(item.SharingNarrowed.YourCaseIds, item.SharingNarrowed.IdentifierKeys),
        FeedItem.ItemOneofCase.CaseErased => Each(item.CaseErased.YourCaseIds, item.CaseErased.IdentifierKeys),
        _ => [],
    };

    private static IEnumerable<Named> AskedByValue(FeedEntry entry, FeedItem item)
    {
        if (entry.ByValue is not { } byValue || item.ItemCase != FeedItem.ItemOneofCase.SharingNarrowed) return [];
        var keys = item.SharingNarrowed.IdentifierKeys;
        return Enumerable.Range(0, keys.Count).Where(i => byValue.Keys.Contains(keys[i])).Select(i =>
        {
            var original = keys[i];
            return new Named(byValue.Case, original, k => { if (keys[i] == original) keys[i] = k; });
        }).ToList();
    }

    private static IEnumerable<Named> One(string caseId, string key, Action<string> rename) =>
        Guid.TryParse(caseId, out var id) && key.Length > 0 ? [new Named(id, key, rename)] : [];

    /// Keys beside the recipient's cases they may concern: each key is tried against each of those cases.
    private static IEnumerable<Named> Each(RepeatedField<string> caseIds, RepeatedField<string> keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            var index = i;
            var original = keys[i];
            foreach (var caseId in caseIds)
                if (Guid.TryParse(caseId, out var id))
                    yield return new Named(id, original, k => { if (keys[index] == original) keys[index] = k; });
        }
    }
}
