using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Lookup;

/// Makes the tokens of every identifier added, in the async daemon (see LookupSetup): a page of events' tokens in one
/// statement, since a statement per token made the daemon's writes compete with ingest. A token is made from the
/// canonical key (what a partner blinds), opened with the holding's subject key, and stands for the match key; a
/// holding erased before the daemon came to it opens no more and gets no token. When BlindTokens.ForHashLists, an
/// imported hash list's batch (MediaBatchImported) gets the tokens of the keys of its rows still stored: a record retracted or a case erased
/// before the daemon came to it gets none, as an erased holding.
public sealed class BlindTokenProjection(BlindTokens tokens) : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var added = events.Select(e => e.Data).OfType<SuspectIdentifierAdded>().ToList();
        if (added.Count > 0)
        {
            var keys = await SubjectKeyStore.Load(operations, added.Select(a => a.Subject).ToArray(), cancellation);
            var made = added.Where(a => !a.CanonicalValue.IsErased(keys))
                .SelectMany(a => tokens.TokensFor(CanonicalKeyOf(a, keys)).Select(token => (token, new BlindToken { Id = token, Key = a.Key })))
                .ToList();
            BulkDocuments.Insert(operations, made, replace: true);
        }
        foreach (var batch in events.Where(e => e.Data is MediaBatchImported && tokens.ForHashLists))
            await MakeImported(operations.DocumentStore, ((MediaBatchImported)batch.Data).CaseId, batch.Version, cancellation);
    }

    /// A batch's tokens, committed on their own session, batch by batch: a page of the daemon may hold hundreds of
    /// batches of up to ten thousand rows, whose millions of tokens must not wait in memory for the page's commit. A
    /// token only names a key, so one made for a page the daemon then retries is made again, unchanged. A hash's match
    /// key is its canonical key: what a partner blinds.
    private async Task MakeImported(IDocumentStore store, Guid caseId, long version, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        var keys = await session.QueryAsync<string>(ImportedMedia.KeysOfBatch, cancellation, caseId, version);
        if (keys.Count == 0) return;
        BulkDocuments.Insert(session, Make(keys), replace: true);
        await session.SaveChangesAsync(cancellation);
    }

    /// Tokens of hash keys, on half the cores (an OPRF evaluation costs tens of microseconds, and a batch has
    /// thousands), the other half left to the hub's answers.
    public List<(string, BlindToken)> Make(IReadOnlyCollection<string> keys) => keys.AsParallel().WithDegreeOfParallelism(Math.Max(1, Environment.ProcessorCount / 2))
        .SelectMany(key => tokens.TokensFor(key).Select(token => (token, new BlindToken { Id = token, Key = key })))
        .ToList();

    public static string CanonicalKeyOf(SuspectIdentifierAdded added, SubjectKeyRing keys) =>
        new CanonicalIdentifier(added.Kind, added.CanonicalValue.Open(keys, nameof(SuspectIdentifierAdded.CanonicalValue)), added.Qualifier).Key;
}
