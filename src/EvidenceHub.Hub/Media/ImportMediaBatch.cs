using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Store;
using EvidenceHub.Media.NearMatch;
using Google.Protobuf;
using Marten;
using Npgsql;
using NpgsqlTypes;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Hub.Media;

/// The owner imports one batch of a hash list (ImportMedia): the rows AddMedia would add one by one, written set-wise as
/// narrow rows of their own (ImportedMedia: binary COPY into a staging table, then one statement into the imported
/// rows, skipping what the case already has) and recorded as one MediaBatchImported event. The same statement finds
/// the new keys other cases hold (as holdings or imported rows); only those are then locked and decided by
/// AddSuspectIdentifier's own rule. The batch id is the command id: a retry answers the stored result.
public sealed record ImportMediaBatch(string BatchId, long FirstRow, IReadOnlyList<MediaBatchRow> Rows, string RowsSha256, CorrelationOptions Options,
    CaseLimits Limits) : Command
{
    public static ImportMediaBatch From(MediaBatch batch, Caller caller, CaseTarget target, MediaHashes media, CorrelationOptions correlation,
        CaseLimits limits, MediaImportOptions options)
    {
        var batchId = RequestFields.CommandId(batch.BatchId.Length == 0 ? "" : batch.BatchId, "batch_id");
        var rows = MediaBatchRows.Check(batch, caller, target, media, correlation, limits, options);
        return new ImportMediaBatch(batchId, batch.FirstRow, rows, MediaBatchRows.Digest(rows), correlation, limits)
        {
            Index = media,
            CommandId = "media-batch:" + batchId, Caller = caller, Request = batch, Case = target,
        };
    }

    public override MessageParser ResultParser => MediaBatchResult.Parser;

    /// The set-wise writes happen while preparing, in the command's transaction, and only for a case the caller may
    /// change: a hidden case costs what a missing one does. A refusal after them rolls them back with the rest.
    public override bool ReadsBeforeDeciding => true;

    /// What the writes did, for the decision: the case version they were written at, the records new to the case,
    /// and the batch's new keys that other cases hold.
    public sealed record Written(long Version, int Added, IReadOnlyList<CanonicalIdentifier> HeldElsewhere)
    {
        /// The new records' PDQ keys with the stored PDQ hashes within the match distance (the near-match index read
        /// under the near-match lock, so it holds every hash committed before this batch).
        public IReadOnlyDictionary<string, IReadOnlyList<(string Key, int Distance)>> Near { get; init; } = new Dictionary<string, IReadOnlyList<(string Key, int Distance)>>();
    }

    public Written? Staged { get; init; }

    public MediaHashes? Index { get; init; }

    public override async Task<Command> Prepared(IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation)
    {
        CaseRules.EnsureOwnerMayChange(state, Caller);
        var connection = (NpgsqlConnection)session.Connection!;
        // Its PDQ hashes join the near-match index by this event's position: ordered like every other PDQ writer.
        if (Rows.Any(r => r.Pdq is not null))
        {
            await session.QueryAsync<long>("select count(*) from (select pg_advisory_xact_lock(hashtextextended('media:near-match', 13))) locked", cancellation);
            if (Index is not null) await Index.CatchUp(session, cancellation);
        }
        var version = (await session.QueryAsync<long>($"SELECT version FROM {EventStore.Schema}.mt_streams WHERE id = ?", cancellation, state.Id)).Single();
        var eventVersion = version + 1;

        // Counted from the batch events (a few hundred for a million rows), not from the rows themselves.
        var count = await Scalar<long>(connection,
            $"SELECT coalesce(sum(CAST(data ->> 'Added' AS bigint)), 0)::bigint FROM {EventStore.Schema}.mt_events WHERE stream_id = @case AND type = 'media_batch_imported'",
            cancellation, ("case", state.Id));
        if (count + Rows.Count > Limits.MaxImportedRows) throw CaseLimitReached.ImportedRows(state.Id, Limits.MaxImportedRows);

        // The rows as they are, into a narrow staging table (binary COPY, no index), then with one statement into the
        // imported rows: a record the case already has (imported, or added by AddMedia) adds nothing.
        // What varies by row only; the batch's own columns are set by the insert. Synchronous writes: they fill
        // Npgsql's buffer, and an await per column was most of the COPY's time.
        await Execute(connection, "CREATE TEMP TABLE IF NOT EXISTS media_import_staging (record text, file_row bigint, sha256 text, sha1 text, md5 text, pdq text, " +
            "pdq_quality smallint, category smallint, victim_identified bool, offender_identified bool, distributed bool, provider_filter bool) ON COMMIT DELETE ROWS", cancellation);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY media_import_staging (record, file_row, sha256, sha1, md5, pdq, pdq_quality, category, victim_identified, offender_identified, distributed, provider_filter) " +
            "FROM STDIN (FORMAT BINARY)", cancellation))
        {
            for (var i = 0; i < Rows.Count; i++)
            {
                var row = Rows[i];
                copy.StartRow();
                copy.Write(MediaRecord.DigestOf(row.Keys), NpgsqlDbType.Text);
                copy.Write(FirstRow + i, NpgsqlDbType.Bigint);
                foreach (var column in ImportedMedia.HashColumns)
                {
                    var key = row.Keys.FirstOrDefault(k => ImportedMedia.ColumnOf(k) == column);
                    if (key is null) copy.WriteNull();
                    else copy.Write(key, NpgsqlDbType.Text);
                }
                copy.Write((short)row.PdqQuality, NpgsqlDbType.Smallint);
                copy.Write((short)row.Category, NpgsqlDbType.Smallint);
                copy.Write(row.VictimIdentified, NpgsqlDbType.Boolean);
                copy.Write(row.OffenderIdentified, NpgsqlDbType.Boolean);
                copy.Write(row.Distributed, NpgsqlDbType.Boolean);
                copy.Write(row.ProviderFilter, NpgsqlDbType.Boolean);
            }
            await copy.CompleteAsync(cancellation);
        }
        // What the new rows' keys meet: a key the case already holds (a holding, or another of its imported records)
        // is not new; a new key another case holds (either way) is decided on below. One index probe per key and table.
        int addedRecords;
        string[] heldElsewhereKeys, newPdq;
        var holdings = Table<IdentifierHolding>(session);
        var hashColumns = string.Join(", ", ImportedMedia.HashColumns);
        var probes = string.Join(" UNION ALL ", ImportedMedia.HashColumns.Select(c => $"SELECT k.key, o.case_id FROM k JOIN {ImportedMedia.Table} o ON o.{c} = k.key WHERE k.col = '{c}'"));
        await using (var insert = new NpgsqlCommand($"""
            WITH ins AS (
              INSERT INTO {ImportedMedia.Table} (case_id, record, batch_id, file_row, {hashColumns}, pdq_quality, category, victim_identified,
                offender_identified, distributed, provider_filter, added_at, added_at_version, added_by_unit)
              SELECT @case, s.record, @batch, s.file_row, {string.Join(", ", ImportedMedia.HashColumns.Select(c => "s." + c))}, s.pdq_quality, s.category,
                s.victim_identified, s.offender_identified, s.distributed, s.provider_filter, @now, @version, @unit
              FROM media_import_staging s
              WHERE NOT EXISTS (SELECT 1 FROM {Table<MediaRecord>(session)} m WHERE m.id = @prefix || s.record)
              ON CONFLICT DO NOTHING
              RETURNING {hashColumns}),
            k AS (SELECT c.col, c.key FROM ins CROSS JOIN LATERAL (VALUES {string.Join(", ", ImportedMedia.HashColumns.Select(c => $"('{c}', ins.{c})"))}) AS c(col, key)
                  WHERE c.key IS NOT NULL),
            holders AS (
              SELECT k.key, CAST(h.data ->> 'CaseId' AS uuid) AS case_id FROM k JOIN {holdings} h ON h.data ->> 'Key' = k.key
              UNION ALL {probes})
            SELECT (SELECT count(*) FROM ins)::int, coalesce((SELECT array_agg(pdq) FROM ins WHERE pdq IS NOT NULL), ARRAY[]::text[]),
                   coalesce((SELECT array_agg(key) FROM (SELECT key FROM holders GROUP BY key
                             HAVING bool_or(case_id <> @case) AND NOT bool_or(case_id = @case)) elsewhere), ARRAY[]::text[])
            """, connection))
        {
            insert.Parameters.AddWithValue("case", state.Id);
            insert.Parameters.AddWithValue("prefix", $"{state.Id:N}|");
            insert.Parameters.AddWithValue("batch", BatchId);
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("version", eventVersion);
            insert.Parameters.AddWithValue("unit", Caller.UnitId);
            await using var reader = await insert.ExecuteReaderAsync(cancellation);
            await reader.ReadAsync(cancellation);
            addedRecords = reader.GetInt32(0);
            newPdq = reader.GetFieldValue<string[]>(1);
            heldElsewhereKeys = reader.GetFieldValue<string[]>(2);
        }
        var elsewhere = heldElsewhereKeys.ToHashSet();
        var heldElsewhere = Rows.SelectMany(r => r.Hashes).Select(h => h.Canonical).Where(c => elsewhere.Remove(c.Key)).ToList();
        // Near-matched set-wise against the index, as AddMedia near-matches one hash.
        var near = Index is null ? [] : newPdq.Distinct()
            .Select(key => (key, Hash256.TryParse(key.AsSpan(4), out var hash) ? Index.Near(hash) : []))
            .Where(n => n.Item2.Count > 0).ToDictionary(n => n.key, n => n.Item2);
        return this with { Staged = new Written(version, addedRecords, heldElsewhere) { Near = near } };
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => state is null || Staged is null
        ? []
        : [.. Staged.HeldElsewhere.Select(c => c.Key), .. Staged.Near.Keys, .. Staged.Near.Values.SelectMany(n => n.Select(m => m.Key))];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var staged = Staged ?? throw new InvalidOperationException("ImportMediaBatch decides only after its rows were written (Prepared).");
        var correlations = staged.HeldElsewhere.SelectMany(c => AddSuspectIdentifier.Correlate(current, c.Kind, c.Key, index, null, Options))
            .Concat(staged.Near.SelectMany(n => NearMatches(current, n.Key, n.Value, index))).ToList();
        var imported = new MediaBatchImported(current.Id, BatchId, Rows.Count, FirstRow, RowsSha256, staged.Added);
        var told = correlations.OfType<CorrelationFound>().Count(found => CaseDisclosure.Of(found.Holding, new Recipient(Caller.UnitId)) != DisclosureLevel.None);
        return new([imported, .. correlations], new MediaBatchResult
        {
            BatchId = BatchId, CaseId = current.Id.ToString(), Version = staged.Version + 1, Rows = Rows.Count, Added = staged.Added,
            Correlations = told, RowsSha256 = RowsSha256,
        })
        {
            Record = new AccessNote("", $"ImportMedia on case {current.Id}: batch {BatchId}, {Rows.Count} rows from file row {FirstRow}",
                $"{staged.Added} media records added, {told} correlations"),
        };
    }

    /// One correlation per other case holding a PDQ hash within the distance (the nearest), as AddMedia's: none when
    /// the unit marked its hash not to correlate or the hash is common, nor with a unit that marked it, nor with a
    /// case that holds the hash itself (that is an exact correlation).
    private static IEnumerable<CorrelationFound> NearMatches(CaseFile adding, string key, IReadOnlyList<(string Key, int Distance)> near, LockedIdentifiers index)
    {
        if (index.IsCommon(key) || index.NotToCorrelateBy(key).Contains(adding.OwnerUnit)) return [];
        var me = CaseParty.Of(adding);
        var exact = index.HoldersOf(key).Select(h => h.CaseId).ToHashSet();
        return near
            .SelectMany(n => index.HoldersOf(n.Key).Where(h => !index.NotToCorrelateBy(n.Key).Contains(h.Unit)).Select(holder => (holder, n.Distance)))
            .Where(m => m.holder.CaseId != adding.Id && !exact.Contains(m.holder.CaseId))
            .GroupBy(m => m.holder.CaseId)
            .Select(g => g.MinBy(m => m.Distance))
            .Select(m => new CorrelationFound(key, IdentifierKind.PerceptualHash, me, m.holder) { Distance = m.Distance });
    }

    private static string Table<T>(IQuerySession session) => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection connection, string sql, CancellationToken cancellation, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync(cancellation))!;
    }
}
