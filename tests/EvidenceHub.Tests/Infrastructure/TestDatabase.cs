using Npgsql;

namespace EvidenceHub.Tests.Infrastructure;

/// A fresh PostgreSQL database on the server that ops/test.sh provisions (EVIDENCEHUB_TEST_DB), dropped afterwards.
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ServerVariable = "EVIDENCEHUB_TEST_DB";

    private readonly string serverConnectionString;
    public string Name { get; }
    public string ConnectionString { get; }

    private TestDatabase(string serverConnectionString, string name)
    {
        this.serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task<TestDatabase> Create()
    {
        var server = Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrEmpty(server))
            throw new InvalidOperationException(
                $"{ServerVariable} is not set. Run the tests with ops/test.sh, which starts a private PostgreSQL and sets it.");
        var database = new TestDatabase(server, $"evidencehub_test_{Guid.NewGuid():N}");
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
