using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// The connections the audit capability reads and writes the log with (plain SQL: the log must see the events'
/// stored bytes, not their deserialised form).
public sealed class AuditDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask<NpgsqlConnection> Open(CancellationToken cancellation) => DataSource.OpenConnectionAsync(cancellation);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
