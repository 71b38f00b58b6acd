using Npgsql;

namespace EvidenceHub.Testing;

/// A fresh PostgreSQL database on the server an environment variable names, dropped when disposed (unless kept for a
/// look afterwards). One source for the hub's tests, the client's tests and the benchmarks (each project links this
/// file); every test fixture gets its own, so fixtures run side by side without seeing each other's data.
public sealed class ThrowawayDatabase : IAsyncDisposable
{
    /// The server ops/test.sh provisions for the tests.
    public const string TestServerVariable = "EVIDENCEHUB_TEST_DB";

    private readonly string serverConnectionString;
    public string Name { get; }
    public string ConnectionString { get; }
    public bool Keep { get; init; }

    private ThrowawayDatabase(string serverConnectionString, string name)
    {
        this.serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    /// A database for one test fixture, on the tests' server.
    public static Task<ThrowawayDatabase> ForTests(string prefix = "evidencehub_test") =>
        Create(TestServerVariable, $"{prefix}_{Guid.NewGuid():N}",
            "Run the tests with ops/test.sh, which starts a private PostgreSQL and sets it.");

    public static async Task<ThrowawayDatabase> Create(string serverVariable, string name, string howToSet, bool keep = false)
    {
        var server = Environment.GetEnvironmentVariable(serverVariable);
        if (string.IsNullOrEmpty(server))
            throw new InvalidOperationException($"{serverVariable} is not set. {howToSet}");
        var database = new ThrowawayDatabase(server, name) { Keep = keep };
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
        // Only this database's pool: other fixtures running at the same time keep their idle connections.
        await using (var pooled = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(pooled);
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
