using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// One stored event (a case event or an access record) exactly as PostgreSQL holds it: the content a leaf commits to.
public sealed record StoredEvent(
    long Sequence, Guid StreamId, long Version, string Type, DateTime Timestamp,
    string? UserName, string? CorrelationId, string? CausationId, string? HeadersJson, string DataJson)
{
    /// The columns Read expects, in order, from the event table aliased as e.
    public const string Columns =
        "e.seq_id, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.correlation_id, e.causation_id, e.headers::text, e.data::text";
    public const int ColumnCount = 10;

    public static StoredEvent Read(NpgsqlDataReader row, int first = 0) => new(
        row.GetInt64(first),
        row.IsDBNull(first + 1) ? Guid.Empty : row.GetGuid(first + 1),
        row.GetInt64(first + 2),
        row.GetString(first + 3),
        row.GetFieldValue<DateTime>(first + 4),
        row.IsDBNull(first + 5) ? null : row.GetString(first + 5),
        row.IsDBNull(first + 6) ? null : row.GetString(first + 6),
        row.IsDBNull(first + 7) ? null : row.GetString(first + 7),
        row.IsDBNull(first + 8) ? null : row.GetString(first + 8),
        row.GetString(first + 9));
}
