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
            var identifierKeys = await session.Query<IdentifierHolding>().Select(h => h.Key).Distinct().ToListAsync(stoppingToken);
            foreach (var chunk in identifierKeys.Chunk(1000))
            {
                await using var writer = store.LightweightSession();
                foreach (var key in chunk) writer.Store(new BlindToken { Id = make(key), Key = key });
                await writer.SaveChangesAsync(stoppingToken);
            }
            session.Store(new Done { Id = keyId });
            await session.SaveChangesAsync(stoppingToken);
            logger.LogInformation("Made blind tokens under key {KeyId} for {Count} identifiers", keyId, identifierKeys.Count);
        }
    }
}
