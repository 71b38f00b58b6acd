using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Identity;
using Marten;
using Npgsql;

namespace EvidenceHub.Hub.Takedown;

/// A hosting party is never a case's partner (OpenCase and ChangeSharingPolicy refuse it), but a unit registered as a
/// partner before and as a provider now may still be named in stored cases' partner_units, and would then be told of
/// their narrowed sharing on its feed. The hub refuses to start then, naming the units and how many cases name each,
/// rather than serve such a provider. A database it cannot read yet (down, or no schema) is not checked.
public sealed class ProvidersAmongPartners(IDocumentStore store, UnitRegistry units, ILogger<ProvidersAmongPartners> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellation)
    {
        IReadOnlyList<(string Unit, int Cases)> named;
        try { named = await Find(store, units, cancellation); }
        catch (Exception unreadable) when (unreadable is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Could not check stored cases for hosting parties among their partners: {Problem}", unreadable.Message);
            return;
        }
        if (named.Count > 0)
            throw new InvalidOperationException("The hub will not start: stored cases name hosting parties (role provider) among their sharing_policy.partner_units: " +
                string.Join(", ", named.Select(n => $"{n.Unit} ({n.Cases} case(s))")) +
                ". Register the unit without role provider, remove it from those cases with ChangeSharingPolicy, then register it as a provider again.");
    }

    public Task StopAsync(CancellationToken cancellation) => Task.CompletedTask;

    /// The registered providers that stored cases name as partners, with how many cases name each.
    public static async Task<IReadOnlyList<(string Unit, int Cases)>> Find(IDocumentStore store, UnitRegistry units, CancellationToken cancellation)
    {
        var providers = units.All.Where(u => u.Roles.Contains(Roles.Provider)).Select(u => u.Id).ToArray();
        if (providers.Length == 0) return [];
        await using var session = store.QuerySession();
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(CaseFile)).TableName.QualifiedName;
        try
        {
            var found = await session.QueryAsync<Named>($"""
                SELECT jsonb_build_object('Unit', p, 'Cases', count(*)) FROM {table} c, jsonb_array_elements_text(c.data -> 'SharingPolicy' -> 'PartnerUnits') p
                WHERE p = ANY(?) GROUP BY p ORDER BY p
                """, cancellation, [providers]);
            return found.Select(n => (n.Unit, n.Cases)).ToList();
        }
        catch (PostgresException missing) when (missing.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName) { return []; }
    }

    private sealed record Named(string Unit, int Cases);
}
