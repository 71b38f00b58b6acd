using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Lookup;

/// Makes the tokens of every identifier added, in the async daemon (see LookupSetup): a page of events' tokens in one
/// statement, since a statement per token made the daemon's writes compete with ingest. A token is made from the
/// canonical key (what a partner blinds), opened with the holding's subject key, and stands for the match key; a
/// holding erased before the daemon came to it opens no more and gets no token.
public sealed class BlindTokenProjection(BlindTokens tokens) : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var added = events.Select(e => e.Data).OfType<SuspectIdentifierAdded>().ToList();
        if (added.Count == 0) return;
        var keys = await SubjectKeyStore.Load(operations, added.Select(a => a.Subject).ToArray(), cancellation);
        var made = added.Where(a => !a.CanonicalValue.IsErased(keys))
            .SelectMany(a => tokens.TokensFor(CanonicalKeyOf(a, keys)).Select(token => (token, new BlindToken { Id = token, Key = a.Key })))
            .ToList();
        BulkDocuments.Insert(operations, made, replace: true);
    }

    public static string CanonicalKeyOf(SuspectIdentifierAdded added, SubjectKeyRing keys) =>
        new CanonicalIdentifier(added.Kind, added.CanonicalValue.Open(keys, nameof(SuspectIdentifierAdded.CanonicalValue)), added.Qualifier).Key;
}
