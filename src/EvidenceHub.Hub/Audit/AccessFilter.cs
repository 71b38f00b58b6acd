using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// QueryAccessLog's filters, checked, and the keyset-paged query they make.
public sealed record AccessFilter(
    DateTimeOffset? From, DateTimeOffset? To, string? Unit, Guid? CaseId, string? IdentifierKey, int MaxRecords)
{
    public const int MaxAccessRecords = 100_000;

    /// The identifier is asked about as the records name it: canonicalised, then pseudonymised (a key given as text too).
    public static AccessFilter Of(QueryAccessLogRequest request, Caller caller, Erasure.IdentifierPseudonym pseudonyms)
    {
        var from = RequestFields.Timestamp(request.From, "from");
        var to = RequestFields.Timestamp(request.To, "to");
        if (from is not null && to is not null && to <= from) throw Rejection.InvalidArgument("to", "must be later than from");
        var unit = RequestFields.Text(request.Unit, "unit", 128, required: false);
        Guid? caseId = string.IsNullOrWhiteSpace(request.CaseId) ? null : RequestFields.CaseId(request.CaseId);
        string? key;
        if (request.Identifier is not null && !string.IsNullOrEmpty(request.IdentifierKey))
            throw Rejection.InvalidArgument("identifier_key", "set identifier or identifier_key, not both");
        if (request.Identifier is not null)
        {
            var region = string.IsNullOrWhiteSpace(request.IdentifierRegion) ? caller.Country : RequestFields.Country(request.IdentifierRegion, "identifier_region");
            key = pseudonyms.MatchKeyOf(IdentifierMapping.Canonicalize(IdentifierMapping.RawOf(request.Identifier), region));
        }
        else key = RequestFields.Text(request.IdentifierKey, "identifier_key", RequestFields.MaxIdentifierKeyLength, required: false) is { Length: > 0 } text
            ? pseudonyms.MatchKeyOf(text)
            : null;
        if (request.MaxRecords is < 0 or > MaxAccessRecords)
            throw Rejection.InvalidArgument("max_records", $"must be between 1 and {MaxAccessRecords} (0 for all)");
        return new AccessFilter(from, to, unit, caseId, key, request.MaxRecords == 0 ? MaxAccessRecords : request.MaxRecords);
    }

    /// The next page, in the order (time, record stream, version), after the last record of the page before.
    public NpgsqlCommand Command(NpgsqlConnection? connection, AccessRecordKey? after, int limit)
    {
        var command = new NpgsqlCommand { Connection = connection };
        var where = new List<string>();
        if (From is { } from) { where.Add("a.at >= @from"); command.Parameters.AddWithValue("from", from); }
        if (To is { } to) { where.Add("a.at < @to"); command.Parameters.AddWithValue("to", to); }
        if (Unit is { } unit) { where.Add("a.unit = @unit"); command.Parameters.AddWithValue("unit", unit); }
        if (CaseId is { } caseId) { where.Add("a.case_id = @case"); command.Parameters.AddWithValue("case", caseId); }
        if (IdentifierKey is { } key) { where.Add("a.identifier_keys @> ARRAY[@key]::text[]"); command.Parameters.AddWithValue("key", key); }
        if (after is { } last)
        {
            where.Add("(a.at, a.stream_id, a.version) > (@lastAt, @lastStream, @lastVersion)");
            command.Parameters.AddWithValue("lastAt", last.At);
            command.Parameters.AddWithValue("lastStream", last.Stream);
            command.Parameters.AddWithValue("lastVersion", last.Version);
        }
        command.Parameters.AddWithValue("limit", limit);
        command.CommandText =
            $"""
            SELECT a.at, a.stream_id, a.version, e.seq_id, e.data::text, l.position
            FROM {AuditSchema.AccessIndex} a
            JOIN {AuditSchema.Events} e ON e.stream_id = a.stream_id AND e.version = a.version
            LEFT JOIN {AuditSchema.Entries} l ON l.sequence = e.seq_id
            {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))}
            ORDER BY a.at, a.stream_id, a.version LIMIT @limit
            """;
        return command;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (From is { } from) parts.Add($"from {from:O}");
        if (To is { } to) parts.Add($"until {to:O}");
        if (Unit is { } unit) parts.Add($"of unit {unit}");
        if (CaseId is { } caseId) parts.Add($"about case {caseId}");
        if (IdentifierKey is { } key) parts.Add($"about identifier {key}");
        return parts.Count == 0 ? "(all)" : string.Join(", ", parts);
    }
}
