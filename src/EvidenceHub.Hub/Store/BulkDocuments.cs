using Marten;

namespace EvidenceHub.Hub.Store;

/// Writes many Marten documents of one type with one SQL statement, queued in the session's transaction. Marten writes
/// a statement per document, which made a Sync burst of N identifiers cost 2N statements (a holding and a receipt
/// each) beside a single one for its events. The rows are Marten's own (same table, same JSON), so Marten reads
/// them back as usual.
public static class BulkDocuments
{
    /// Inserts the documents; with replace, a document whose id is already stored is overwritten instead of refused.
    public static void Insert<T>(IDocumentOperations operations, IReadOnlyCollection<(string Id, T Document)> documents, bool replace = false)
    {
        if (documents.Count == 0) return;
        // One statement cannot write a row twice: with replace, the last document for an id wins.
        if (replace) documents = documents.Reverse().DistinctBy(d => d.Id).Reverse().ToList();
        var serializer = operations.DocumentStore.Options.Serializer();
        var onConflict = replace ? " ON CONFLICT (id) DO UPDATE SET data = excluded.data, mt_last_modified = transaction_timestamp()" : "";
        operations.QueueSqlCommand(
            $"INSERT INTO {TableOf<T>(operations)} (id, data, mt_dotnet_type) SELECT d.id, d.data, ? FROM unnest(?::varchar[], ?::jsonb[]) AS d(id, data){onConflict}",
            typeof(T).FullName!,
            documents.Select(d => d.Id).ToArray(),
            documents.Select(d => serializer.ToJson(d.Document!)).ToArray());
    }

    /// Deletes a document in statement order with the inserts above (Marten may order its own operations otherwise).
    public static void Delete<T>(IDocumentOperations operations, string id) =>
        operations.QueueSqlCommand($"DELETE FROM {TableOf<T>(operations)} WHERE id = ?", id);

    /// Sets one top-level field of a stored document, in statement order with the inserts above.
    public static void SetField<T>(IDocumentOperations operations, string id, string field, object? value) =>
        operations.QueueSqlCommand(
            $"UPDATE {TableOf<T>(operations)} SET data = jsonb_set(data, ARRAY[?::text], ?::jsonb), mt_last_modified = transaction_timestamp() WHERE id = ?",
            field, operations.DocumentStore.Options.Serializer().ToJson(value), id);

    private static string TableOf<T>(IDocumentOperations operations) =>
        operations.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
}
