using Npgsql;

namespace EvidenceHub.Benchmarks.Harness;

/// A fresh PostgreSQL database for one run, on the server ops/bench.sh provisions (EVIDENCEHUB_BENCH_DB), dropped
/// at the end unless the run keeps it for a look afterwards.
public sealed class BenchDatabase : IAsyncDisposable
{
    public const string ServerVariable = "EVIDENCEHUB_BENCH_DB";

    private readonly string serverConnectionString;
    public string Name { get; }
    public string ConnectionString { get; }
    public bool Keep { get; init; }

    private BenchDatabase(string serverConnectionString, string name)
    {
        this.serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task<BenchDatabase> Create(bool keep)
    {
        var server = Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrEmpty(server))
            throw new InvalidOperationException(
                $"{ServerVariable} is not set. Run the benchmarks with ops/bench.sh, which starts a private PostgreSQL and sets it.");
        var database = new BenchDatabase(server, $"evidencehub_bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid().ToString("N")[..6]}") { Keep = keep };
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    public NpgsqlDataSource OpenDataSource(int maxConnections = 20) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = maxConnections }.ConnectionString);

    public async Task<string> ServerVersion()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Keep) return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
