using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EvidenceHub.Hub.Lookup;

/// Makes the tokens of every identifier added, in the async daemon (see LookupSetup): a page of events' tokens in one
/// statement, since a statement per token made the daemon's writes compete with ingest.
public sealed class BlindTokenProjection(BlindTokens tokens) : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var made = events.Select(e => e.Data).OfType<SuspectIdentifierAdded>()
            .SelectMany(added => tokens.TokensFor(added.Key).Select(token => (token, new BlindToken { Id = token, Key = added.Key })))
            .ToList();
        BulkDocuments.Insert(operations, made, replace: true);
        return Task.CompletedTask;
    }
}
