using System.Security.Cryptography;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Oprf;
using Marten;

namespace EvidenceHub.Hub.Lookup;

/// After a key is added (rotation), makes its tokens for the identifiers already held.
public sealed class BlindTokenBackfill(IDocumentStore store, BlindTokens tokens, ILogger<BlindTokenBackfill> logger) : BackgroundService
{
    public sealed class Done
    {
        public string Id { get; set; } = "";
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // An OPRF key's marker is its token prefix: HMAC key ids hold no ':', so the two never collide.
        var makers = tokens.Keys.Keys.Select(id => (Marker: id, Make: (Func<string, string>)(key => tokens.TokenFor(id, key))))
            .Concat(tokens.Oprf.KeyIds.Select(id => (Marker: $"{OprfToken.Prefix}{id}", Make: (Func<string, string>)(key => tokens.Oprf.TokenFor(id, key)))));
        foreach (var (keyId, make) in makers)
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<Done>(keyId, stoppingToken) is not null) continue;
            // A token is made from the canonical key (opened with the holding's key) and stands for the match key.
            var holdings = (await session.Query<IdentifierHolding>().ToListAsync(stoppingToken)).DistinctBy(h => h.Key).ToList();
            foreach (var chunk in holdings.Chunk(1000))
            {
                var keys = await Erasure.SubjectKeyStore.Load(session, chunk.Select(h => h.Subject).ToArray(), stoppingToken);
                await using var writer = store.LightweightSession();
                foreach (var holding in chunk.Where(h => !h.CanonicalValue.IsErased(keys)))
                {
                    var canonicalKey = new CanonicalIdentifier(holding.Kind, holding.CanonicalValue.Open(keys, nameof(SuspectIdentifierAdded.CanonicalValue)), holding.Qualifier).Key;
                    writer.Store(new BlindToken { Id = make(canonicalKey), Key = holding.Key });
                }
                await writer.SaveChangesAsync(stoppingToken);
            }
            var imported = tokens.ForHashLists ? await BackfillImported(make, stoppingToken) : 0;
            session.Store(new Done { Id = keyId });
            await session.SaveChangesAsync(stoppingToken);
            logger.LogInformation("Made blind tokens under key {KeyId} for {Count} identifiers and {Imported} imported hashes", keyId, holdings.Count, imported);
        }
    }

    private sealed record ImportedRow(Guid CaseId, long Version, long FileRow, string[] Keys);

    /// The imported hash lists' keys (rows of their own, not holdings), a page of rows at a time in the order of their index, so that
    /// millions of rows never sit in memory at once. A hash's match key is its canonical key.
    private async Task<long> BackfillImported(Func<string, string> make, CancellationToken cancellation)
    {
        var made = 0L;
        var after = (CaseId: Guid.Empty, Version: 0L, FileRow: 0L);
        while (true)
        {
            await using var session = store.LightweightSession();
            var rows = await session.QueryAsync<ImportedRow>(Media.ImportedMedia.KeysAfter(5_000), cancellation, after.CaseId, after.Version, after.FileRow);
            if (rows.Count == 0) return made;
            var keys = rows.SelectMany(r => r.Keys).Distinct().ToList();
            Store.BulkDocuments.Insert(session, keys.AsParallel().Select(key => { var token = make(key); return (token, new BlindToken { Id = token, Key = key }); }).ToList(), replace: true);
            await session.SaveChangesAsync(cancellation);
            made += keys.Count;
            after = (rows[^1].CaseId, rows[^1].Version, rows[^1].FileRow);
        }
    }
}
