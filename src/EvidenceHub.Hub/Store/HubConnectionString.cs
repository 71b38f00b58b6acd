using Npgsql;

namespace EvidenceHub.Hub.Store;

/// The hub's PostgreSQL connection string (ConnectionStrings:Marten), as every connection of the hub uses it.
public static class HubConnectionString
{
    public static string From(IConfiguration configuration) => Tuned(configuration.GetConnectionString("Marten")
        ?? throw new InvalidOperationException(
            "ConnectionStrings:Marten is not set. Run the hub with ops/run-hub.sh, which provisions a local PostgreSQL, " +
            "or set ConnectionStrings__Marten."));

    /// With JIT compilation off, unless the operator chose otherwise in Options. The hub's statements are short
    /// index reads; on tables whose statistics are not gathered yet (right after a bulk load) the planner's estimates
    /// pass jit_above_cost and a 1 ms lookup spent 50–650 ms compiling itself (measured on the lookup benchmark).
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("jit", StringComparison.OrdinalIgnoreCase) != true)
            builder.Options = string.Join(' ', new[] { builder.Options, "-c jit=off" }.Where(o => !string.IsNullOrWhiteSpace(o)));
        return builder.ConnectionString;
    }
}
