using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace EvidenceHub.Hub.Media;

/// The records of imported hash lists (ImportMedia), one narrow row each in a table of their own
/// (evidencehub.imported_media), written by binary COPY with the batch's one MediaBatchImported: not a Marten document
/// per record and per hash, which made a batch cost fifteen thousand jsonb rows and their expression indexes. Each hash
/// column holds the identifier key the hub matches on ("sha256:…", "pdq:…"), so lookups, correlation and the hash
/// check find an imported hash by the same key as a holding. The values are not sealed: a file hash or PDQ hash of
/// known material is not personal data of a suspect or victim, and a hash's match key is its value anyway.
public static class ImportedMedia
{
    public const string Table = EventStore.Schema + ".imported_media";

    /// The hash columns, in the order MediaAdded lists a record's keys.
    public static readonly string[] HashColumns = ["sha256", "sha1", "md5", "pdq"];

    /// A SQL condition: the case of the row (alias) restricted the key (a text expression) on its own (RestrictData of an
    /// identifier), whichever of its rows, or holdings, holds it.
    public static string IsRestricted(string alias, string key) =>
        $"EXISTS (SELECT 1 FROM {RestrictedHashes.Table} r WHERE r.case_id = {alias}.case_id AND r.key = {key})";

    /// Hash indexes on the hash columns: only equality is ever asked of them, and a hash index costs a COPY less than
    /// half what a B-tree on the same random text does (a row of two hashes: ~0.45 of a plain COPY against ~0.2,
    /// docs/media.md). No index on the record name: a record is found by one of its hashes and its case
    /// (IsRecord), and the case's rows, in the order they were added, by (case_id, added_at_version, file_row), whose
    /// values only grow within a case (read a batch or a page at a time: blind tokens of a batch, GetCase, a case as
    /// of a moment, erasure).
    public static Table Schema()
    {
        var table = new Table(Table);
        table.AddColumn<Guid>("case_id").NotNull();
        // MediaRecord.DigestOf its keys: the same keys twice on one case are one record, imported or added.
        table.AddColumn<string>("record").NotNull();
        table.AddColumn<string>("batch_id").NotNull();
        table.AddColumn<long>("file_row").NotNull();
        foreach (var column in HashColumns) table.AddColumn<string>(column);
        table.AddColumn<short>("pdq_quality").NotNull();
        table.AddColumn<short>("category").NotNull();
        table.AddColumn<bool>("victim_identified").NotNull();
        table.AddColumn<bool>("offender_identified").NotNull();
        table.AddColumn<bool>("distributed").NotNull();
        table.AddColumn<bool>("provider_filter").NotNull();
        table.AddColumn("added_at", "timestamptz").NotNull();
        // The case version of the batch's event: the case lists its identifiers in the order they were added.
        table.AddColumn<long>("added_at_version").NotNull();
        table.AddColumn<string>("added_by_unit").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_imported_media_case") { Columns = ["case_id", "added_at_version", "file_row"], IsUnique = true });
        foreach (var column in HashColumns)
            table.Indexes.Add(new IndexDefinition($"ix_imported_media_{column}") { Columns = [column], Method = IndexMethod.hash, Predicate = $"{column} IS NOT NULL" });
        // Only the near-match index reads a batch's rows back (MediaHashes.CatchUp), and only those with a PDQ hash.
        table.Indexes.Add(new IndexDefinition("ix_imported_media_pdq_batch") { Columns = ["batch_id"], Predicate = "pdq IS NOT NULL" });
        return table;
    }

    /// A SQL condition: the row (alias) is the case's record of these keys (a record's first key is a file hash, so
    /// its column's index finds it). Three parameters: the first key, the case id, the record name.
    public static string IsRecord(string alias, IReadOnlyList<string> keys) =>
        $"{alias}.{ColumnOf(keys[0])} = ? AND {alias}.case_id = ? AND {alias}.record = ?";

    /// The row's column of an identifier key, by its kind's prefix; null for a key no imported row holds.
    public static string? ColumnOf(string key) =>
        key.StartsWith("sha256:", StringComparison.Ordinal) ? "sha256"
        : key.StartsWith("sha1:", StringComparison.Ordinal) ? "sha1"
        : key.StartsWith("md5:", StringComparison.Ordinal) ? "md5"
        : key.StartsWith("pdq:", StringComparison.Ordinal) ? "pdq" : null;

    /// A SQL condition: the row (alias) holds the key (a text expression) in one of its hash columns.
    public static string Holds(string alias, string key) => $"{key} IN ({alias}.sha256, {alias}.sha1, {alias}.md5, {alias}.pdq)";

    /// A SQL expression: the row's keys as MediaAdded lists them.
    public static string KeysOf(string alias) => $"array_remove(ARRAY[{alias}.sha256, {alias}.sha1, {alias}.md5, {alias}.pdq], NULL)";

    /// A SQL expression: the imported row (alias) as the identifier holding of one of its keys (a text expression),
    /// jsonb shaped like an IdentifierHolding document, so that the disclosure predicate and the readers of holdings
    /// read it alike; restricted when the owner restricted that key of it. No subject: nothing of it is sealed.
    public static string AsHolding(string alias, string key) => $"""
        jsonb_build_object('Id', replace(CAST({alias}.case_id AS text), '-', '') || '|' || {key}, 'Key', {key},
            'Kind', {KindOf(key)}, 'CaseId', {alias}.case_id, 'AddedAt', {alias}.added_at, 'Subject', '00000000-0000-0000-0000-000000000000',
            'AddedByUnit', {alias}.added_by_unit, 'AddedAtVersion', {alias}.added_at_version, 'Restricted', {IsRestricted(alias, key)}, 'Imported', true)
        """;

    private static string KindOf(string key) => $"""
        CASE split_part({key}, ':', 1) WHEN 'sha256' THEN '{IdentifierKind.FileHashSha256}' WHEN 'sha1' THEN '{IdentifierKind.FileHashSha1}'
            WHEN 'md5' THEN '{IdentifierKind.FileHashMd5}' ELSE '{IdentifierKind.PerceptualHash}' END
        """;

    /// An imported hash is withdrawn with its media record (RetractMedia), not alone: it has no holding of its own to
    /// retract, replace, regrade or erase.
    public static void EnsureNotImported(IdentifierHolding held)
    {
        if (held.Imported)
            throw Errors.Rejection.FailedPrecondition("IMPORTED_HASH",
                $"{held.Key} came with an imported hash list: withdraw its media record with RetractMedia (or erase the case).", ("identifier_key", held.Key));
    }

    /// Registers the tables (imported rows, restricted hashes) with the store's schema (created and migrated with the rest).
    public static void AddImportedMedia(this StoreOptions options)
    {
        options.Storage.ExtendedSchemaObjects.Add(Schema());
        options.Storage.ExtendedSchemaObjects.Add(RestrictedHashes.Schema());
    }

    /// An imported row read back as a media record (RetractMedia, AddMedia's "already there", the case's media list).
    public static string SelectRecords(string where) => $"""
        SELECT jsonb_build_object('Id', replace(CAST(i.case_id AS text), '-', '') || '|' || i.record, 'CaseId', i.case_id, 'Keys', to_jsonb({KeysOf("i")}),
            'Pdq', substr(i.pdq, 5), 'PdqQuality', i.pdq_quality, 'VictimIdentified', i.victim_identified, 'OffenderIdentified', i.offender_identified,
            'Distributed', i.distributed, 'Category', i.category, 'ProviderFilter', i.provider_filter, 'AddedAt', i.added_at, 'BatchId', i.batch_id,
            'FileRow', i.file_row)
        FROM {Table} i WHERE {where}
        """;

    /// A SQL relation (one jsonb column, data) of every holding of a key (a text expression): the identifier holdings
    /// (holdings: their table) and the imported rows, each as a holding. A reader that matches on holdings reads both.
    public static string HoldingsOfKey(string holdings, string key) => $"""
        (SELECT x.data FROM {holdings} x WHERE x.data ->> 'Key' = {key}
         UNION ALL SELECT {AsHolding("i", key)} FROM {Table} i WHERE {Holds("i", key)})
        """;

    /// A case's imported hashes after a position in the case's list (CasePage.Position: the batch's case version, the
    /// file row, the key's ordinal in the row), in that order, at most limit of them, each as jsonb {Holding, Row,
    /// Ordinal}: GetCase's page of them. A batch's rows share one version, so the row and ordinal go on where a page
    /// ended inside a batch. Restricted keys only for a reader who sees them (seesRestricted). Four parameters: the
    /// position's version, row and ordinal, and the case id.
    public static string HoldingsOfCase(int limit, bool seesRestricted) => $"""
        SELECT jsonb_build_object('Holding', {AsHolding("i", "u.k")}, 'Row', i.file_row, 'Ordinal', u.n)
        FROM {Table} i CROSS JOIN LATERAL unnest({KeysOf("i")}) WITH ORDINALITY AS u(k, n)
        CROSS JOIN (SELECT ?::bigint AS version, ?::bigint AS file_row, ?::bigint AS ordinal) AS after
        WHERE i.case_id = ? AND (i.added_at_version, i.file_row) >= (after.version, after.file_row)
          AND (i.added_at_version, i.file_row, u.n) > (after.version, after.file_row, after.ordinal)
          {(seesRestricted ? "" : $"AND NOT {IsRestricted("i", "u.k")}")}
        ORDER BY i.added_at_version, i.file_row, u.n LIMIT {limit}
        """;

    /// The imported rows holding the given keys (one text[] parameter), as holdings: one per case and key, the first
    /// imported. For LockedIdentifiers, so that a single add correlates with an imported hash as with a holding.
    public static readonly string HoldingsOf = $"""
        SELECT DISTINCT ON (k, i.case_id) {AsHolding("i", "k")}
        FROM unnest(?::text[]) AS k JOIN {Table} i ON {Holds("i", "k")}
        ORDER BY k, i.case_id, i.added_at_version
        """;

    /// The keys of one batch's rows still stored (two parameters: the case id, the batch event's case version).
    public static readonly string KeysOfBatch = $"""
        SELECT DISTINCT u.k FROM {Table} i CROSS JOIN LATERAL unnest({KeysOf("i")}) AS u(k)
        WHERE i.case_id = ? AND i.added_at_version = ?
        """;

    /// The keys of the rows stored after a row (three parameters: its case id, batch version and file row; the first:
    /// the empty uuid, 0, 0), at most limit rows, with the last row's position: the blind-token backfill's walk over
    /// every row, along the index on (case_id, added_at_version, file_row).
    public static string KeysAfter(int limit) => $"""
        SELECT jsonb_build_object('CaseId', i.case_id, 'Version', i.added_at_version, 'FileRow', i.file_row, 'Keys', to_jsonb({KeysOf("i")})) FROM {Table} i
        WHERE (i.case_id, i.added_at_version, i.file_row) > (?, ?, ?) ORDER BY i.case_id, i.added_at_version, i.file_row LIMIT {limit}
        """;
    /// A SQL relation (one jsonb column) of a case's first imported hashes that are not restricted (one parameter: the
    /// case id), as holdings in the order they were added, at most limit of them, read along the index however many
    /// the case holds. A restricted hash is left out before the limit, so that it moves nothing in the window.
    public static string FirstHoldingsOfCase(int limit) => $"""
        SELECT {AsHolding("i", "u.k")} FROM {Table} i CROSS JOIN LATERAL unnest({KeysOf("i")}) WITH ORDINALITY AS u(k, n)
        WHERE i.case_id = ? AND NOT {IsRestricted("i", "u.k")}
        ORDER BY i.added_at_version, i.file_row, u.n LIMIT {limit}
        """;

    /// A case's imported hashes as of a case version, as holdings in the order they were added (case version, file row,
    /// key), after a cursor, at most about limit of them: the rows stored now that were added by then, read along the
    /// index. Parameters: the case id, the version, the cursor's version, file row and key (1-based; 0 for none).
    public static string HoldingsAsOf(int limit) => $"""
        SELECT jsonb_build_object('Version', i.added_at_version, 'Row', i.file_row, 'N', u.n, 'Holding', {AsHolding("i", "u.k")})
        FROM (SELECT * FROM {Table} WHERE case_id = ? AND added_at_version <= ? AND (added_at_version, file_row) >= (?, ?)
              ORDER BY added_at_version, file_row LIMIT {limit}) i
        CROSS JOIN LATERAL unnest({KeysOf("i")}) WITH ORDINALITY AS u(k, n)
        WHERE (i.added_at_version, i.file_row, u.n) > (?, ?, ?)
        """;

    /// The same for the rows deleted since the version (their records retracted after it, from batches imported by
    /// then): rebuilt from the retraction events, which name each record's keys, batch and file row, and the batch
    /// events. None of an erased case: erasure destroys. Parameters: the case id, the version, the version again, the
    /// cursor's version, file row and key.
    public static string RetractedHoldingsAsOf(int limit) => $"""
        SELECT jsonb_build_object('Version', g.added_at_version, 'Row', g.file_row, 'N', u.n, 'Holding', {AsHolding("g", "u.k")})
        FROM (SELECT r.stream_id AS case_id, b.timestamp AS added_at, coalesce(b.headers ->> '{EventHeaders.Unit}', '') AS added_by_unit,
                     b.version AS added_at_version, CAST(r.data ->> 'FileRow' AS bigint) AS file_row, r.data -> 'Keys' AS keys
              FROM {EventStore.Schema}.mt_events r
              JOIN {EventStore.Schema}.mt_events b ON b.stream_id = r.stream_id AND b.type = 'media_batch_imported' AND b.data ->> 'BatchId' = r.data ->> 'BatchId'
              WHERE r.stream_id = ? AND r.type = 'media_retracted' AND r.version > ? AND r.data ->> 'BatchId' IS NOT NULL AND b.version <= ?
                AND NOT EXISTS (SELECT 1 FROM {EventStore.Schema}.mt_events e WHERE e.stream_id = r.stream_id AND e.type = 'case_erased')) g
        CROSS JOIN LATERAL jsonb_array_elements_text(g.keys) WITH ORDINALITY AS u(k, n)
        WHERE (g.added_at_version, g.file_row, u.n) > (?, ?, ?)
        ORDER BY g.added_at_version, g.file_row, u.n LIMIT {limit}
        """;
}

/// Keeps the imported rows in step with the events that withdraw or restrict them, inline with the append: a retracted
/// media record leaves (MediaRetracted), an erased case leaves whole (CaseErased), and a hash the case restricted on
/// its own is noted (DataRestricted) until the restriction is lifted (RestrictionLifted): RestrictedHashes.
public sealed class ImportedMediaProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case MediaRetracted retracted:
                    operations.QueueSqlCommand($"DELETE FROM {ImportedMedia.Table} i WHERE {ImportedMedia.IsRecord("i", retracted.Keys)}",
                        retracted.Keys[0], retracted.CaseId, MediaRecord.DigestOf(retracted.Keys));
                    break;
                case CaseErased erased:
                    operations.QueueSqlCommand($"DELETE FROM {ImportedMedia.Table} WHERE case_id = ?", erased.CaseId);
                    operations.QueueSqlCommand($"DELETE FROM {RestrictedHashes.Table} WHERE case_id = ?", erased.CaseId);
                    break;
                case Restriction.DataRestricted { What.IdentifierKey: { } key } restricted when ImportedMedia.ColumnOf(key) is not null:
                    operations.QueueSqlCommand($"INSERT INTO {RestrictedHashes.Table} (case_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING", restricted.CaseId, key);
                    break;
                case Restriction.RestrictionLifted { What.IdentifierKey: { } key } lifted when ImportedMedia.ColumnOf(key) is not null:
                    operations.QueueSqlCommand($"DELETE FROM {RestrictedHashes.Table} WHERE case_id = ? AND key = ?", lifted.CaseId, key);
                    break;
            }
        }
        return Task.CompletedTask;
    }
}
