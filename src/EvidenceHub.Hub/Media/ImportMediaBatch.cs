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
/// narrow rows of their own (ImportedMedia, by binary COPY, skipping what the case already has) and recorded as one
/// MediaBatchImported event. One round trip before the COPY finds the batch's keys other cases hold (as holdings or
/// imported rows); only those are then locked and decided by AddSuspectIdentifier's own rule. The batch id is the
/// command id: a retry answers the stored result.
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

        // One round trip for what the batch meets: the hash-list lock (no other writer of a hash commits until this
        // batch does), the case's version and imported count (from its batch events, a few hundred for a million
        // rows), the records AddMedia added to the case with the batch's names, and who holds each of the batch's keys
        // (holdings, or imported rows: one index probe per key), with the names of this case's imported records that
        // hold it (such a record is there already).
        var keys = Rows.SelectMany(r => r.Keys).Distinct().ToArray();
        var prefix = $"{state.Id:N}|";
        var probes = ImportedMedia.HashColumns.Select(c => $"SELECT i.{c}, i.case_id, i.record FROM {ImportedMedia.Table} i WHERE i.{c} = ANY(@{c})");
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new($"SELECT {HashListLock.ExclusiveCall}"),
                new($"SELECT version FROM {EventStore.Schema}.mt_streams WHERE id = @case"),
                new($"SELECT coalesce(sum(CAST(data ->> 'Added' AS bigint)), 0)::bigint FROM {EventStore.Schema}.mt_events WHERE stream_id = @case AND type = 'media_batch_imported'"),
                new($"SELECT substr(m.id, {prefix.Length + 1}) FROM {Table<MediaRecord>(session)} m WHERE m.id = ANY(@ids)"),
                new($"""
                    SELECT key, bool_or(case_id = @case), coalesce(array_agg(record) FILTER (WHERE case_id = @case AND record IS NOT NULL), ARRAY[]::text[]) FROM (
                      SELECT h.data ->> 'Key', CAST(h.data ->> 'CaseId' AS uuid), NULL::text FROM {Table<IdentifierHolding>(session)} h WHERE h.data ->> 'Key' = ANY(@keys)
                      UNION ALL {string.Join(" UNION ALL ", probes)}) held(key, case_id, record)
                    GROUP BY key
                    """),
            },
        };
        // Each statement gets only the parameters it names: the arrays are most of what is sent.
        var parameters = new Dictionary<string, object>
        {
            ["case"] = state.Id, ["ids"] = Rows.Select(r => prefix + r.Record).Distinct().ToArray(), ["keys"] = keys,
        };
        foreach (var column in ImportedMedia.HashColumns) parameters[column] = keys.Where(k => ImportedMedia.ColumnOf(k) == column).ToArray();
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
            foreach (var (name, value) in parameters.Where(p => command.CommandText.Contains("@" + p.Key, StringComparison.Ordinal)))
                command.Parameters.AddWithValue(name, value);
        long version, count;
        var existing = new HashSet<string>();
        var heldHere = new HashSet<string>();
        var heldElsewhereOnly = new HashSet<string>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellation))
        {
            await reader.NextResultAsync(cancellation);
            await reader.ReadAsync(cancellation);
            version = reader.GetInt64(0);
            await reader.NextResultAsync(cancellation);
            await reader.ReadAsync(cancellation);
            count = reader.GetInt64(0);
            await reader.NextResultAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) existing.Add(reader.GetString(0));
            await reader.NextResultAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                (reader.GetBoolean(1) ? heldHere : heldElsewhereOnly).Add(reader.GetString(0));
                existing.UnionWith(reader.GetFieldValue<string[]>(2));
            }
        }
        // A record the case has, or one the batch repeats, is written once.
        var fresh = Rows.Select((row, i) => (Row: row, FileRow: FirstRow + i)).Where(r => existing.Add(r.Row.Record)).ToList();
        if (count + fresh.Count > Limits.MaxImportedRows) throw CaseLimitReached.ImportedRows(state.Id, Limits.MaxImportedRows);

        // Straight into the imported rows by binary COPY. Synchronous writes: they fill Npgsql's buffer, and an await
        // per column was most of the COPY's time.
        var eventVersion = version + 1;
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY {ImportedMedia.Table} (case_id, record, batch_id, file_row, {string.Join(", ", ImportedMedia.HashColumns)}, pdq_quality, category, " +
            "victim_identified, offender_identified, distributed, provider_filter, added_at, added_at_version, added_by_unit) FROM STDIN (FORMAT BINARY)", cancellation))
        {
            foreach (var (row, fileRow) in fresh)
            {
                copy.StartRow();
                copy.Write(state.Id, NpgsqlDbType.Uuid);
                copy.Write(row.Record, NpgsqlDbType.Text);
                copy.Write(BatchId, NpgsqlDbType.Text);
                copy.Write(fileRow, NpgsqlDbType.Bigint);
                foreach (var key in row.Columns)
                {
                    if (key is null) copy.WriteNull();
                    else copy.Write(key, NpgsqlDbType.Text);
                }
                copy.Write((short)row.PdqQuality, NpgsqlDbType.Smallint);
                copy.Write((short)row.Category, NpgsqlDbType.Smallint);
                copy.Write(row.VictimIdentified, NpgsqlDbType.Boolean);
                copy.Write(row.OffenderIdentified, NpgsqlDbType.Boolean);
                copy.Write(row.Distributed, NpgsqlDbType.Boolean);
                copy.Write(row.ProviderFilter, NpgsqlDbType.Boolean);
                copy.Write(now, NpgsqlDbType.TimestampTz);
                copy.Write(eventVersion, NpgsqlDbType.Bigint);
                copy.Write(Caller.UnitId, NpgsqlDbType.Text);
            }
            await copy.CompleteAsync(cancellation);
        }

        // The new records' keys another case holds and this one does not are decided on (locked, then correlated).
        var heldElsewhere = fresh.SelectMany(r => r.Row.Hashes).Select(h => h.Canonical)
            .Where(c => heldElsewhereOnly.Remove(c.Key)).ToList();
        // Near-matched set-wise against the index, as AddMedia near-matches one hash.
        var near = Index is null ? [] : fresh.Select(r => r.Row.Pdq).OfType<string>().Distinct()
            .Select(hex => Hash256.TryParse(hex, out var hash) ? (Key: MediaHashes.KeyOf(hash), Near: Index.Near(hash)) : (Key: "", Near: []))
            .Where(n => n.Near.Count > 0).ToDictionary(n => n.Key, n => n.Near);
        return this with { Staged = new Written(version, fresh.Count, heldElsewhere) { Near = near } };
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
}
