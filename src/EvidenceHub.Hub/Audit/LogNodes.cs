using Npgsql;
using NpgsqlTypes;

namespace EvidenceHub.Hub.Audit;

/// Reads stored perfect-subtree hashes: leaves from the entries, higher levels from the nodes table, in one round trip.
public static class LogNodes
{
    public static async Task<Dictionary<MerkleNode, byte[]>> Load(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IEnumerable<MerkleNode> wanted, CancellationToken cancellation)
    {
        var nodes = wanted.Distinct().ToList();
        var found = new Dictionary<MerkleNode, byte[]>(nodes.Count);
        if (nodes.Count == 0) return found;
        var leaves = nodes.Where(n => n.Level == 0).Select(n => n.Index).ToArray();
        var inner = nodes.Where(n => n.Level > 0).ToArray();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT 0, position, leaf_hash FROM {AuditSchema.Entries} WHERE position = ANY(@leaves)
            UNION ALL
            SELECT n.level, n.index, n.hash FROM {AuditSchema.Nodes} n
              JOIN unnest(@levels, @indexes) AS k(level, index) ON n.level = k.level AND n.index = k.index
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("leaves", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = leaves });
        command.Parameters.Add(new NpgsqlParameter("levels", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = inner.Select(n => n.Level).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("indexes", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = inner.Select(n => n.Index).ToArray() });
        await using var rows = await command.ExecuteReaderAsync(cancellation);
        while (await rows.ReadAsync(cancellation))
            found[new MerkleNode(rows.GetInt32(0), rows.GetInt64(1))] = rows.GetFieldValue<byte[]>(2);
        var missing = nodes.FirstOrDefault(n => !found.ContainsKey(n));
        if (found.Count != nodes.Count)
            throw new LogDamagedException(missing.Start, $"the stored subtree hash for leaves [{missing.Start}, {missing.End}) is missing");
        return found;
    }
}
