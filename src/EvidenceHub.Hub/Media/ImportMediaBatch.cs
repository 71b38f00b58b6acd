using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.HashCheck;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Store;
using Google.Protobuf;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace EvidenceHub.Hub.Media;

/// The owner imports one batch of a hash list (ImportMedia): the rows AddMedia would add one by one, written set-wise
/// (binary COPY into a staging table, then one statement into the media records, the identifier holdings and the
/// filterable hashes, skipping what the case already holds) and recorded as one MediaBatchImported event. Exact-hash
/// correlation is one query for the batch's keys held by other cases; those keys are then locked and decided by
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
            CommandId = "media-batch:" + batchId, Caller = caller, Request = batch, Case = target,
        };
    }

    public override MessageParser ResultParser => MediaBatchResult.Parser;

    /// The set-wise writes happen while preparing, in the command's transaction, and only for a case the caller may
    /// change: a hidden case costs what a missing one does. A refusal after them rolls them back with the rest.
    public override bool ReadsBeforeDeciding => true;

    /// What the writes did, for the decision: the case version they were written at, the records new to the case,
    /// and the batch's new keys that other cases hold.
    public sealed record Written(long Version, int Added, IReadOnlyList<CanonicalIdentifier> HeldElsewhere);

    public Written? Staged { get; init; }

    public override async Task<Command> Prepared(IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation)
    {
        CaseRules.EnsureOwnerMayChange(state, Caller);
        var connection = (NpgsqlConnection)session.Connection!;
        // Its PDQ hashes join the near-match index by this event's position: ordered like every other PDQ writer.
        if (Rows.Any(r => r.Pdq is not null))
            await session.QueryAsync<long>("select count(*) from (select pg_advisory_xact_lock(hashtextextended('media:near-match', 13))) locked", cancellation);
        var version = (await session.QueryAsync<long>($"SELECT version FROM {EventStore.Schema}.mt_streams WHERE id = ?", cancellation, state.Id)).Single();
        var eventVersion = version + 1;

        await Execute(connection, "CREATE TEMP TABLE media_import_staging (kind smallint, record_id varchar, id varchar, data jsonb) ON COMMIT DROP", cancellation);
        var serializer = session.DocumentStore.Options.Serializer();
        // Each new holding's values sealed under a key of its own, as AddSuspectIdentifier seals them (file and image
        // hashes keep their canonical key as match key); the keys are stored in this transaction.
        var keys = new SubjectKeyRing();
        await using (var copy = await connection.BeginBinaryImportAsync("COPY media_import_staging (kind, record_id, id, data) FROM STDIN (FORMAT BINARY)", cancellation))
        {
            async Task Row(short kind, string recordId, string id, object document)
            {
                await copy.StartRowAsync(cancellation);
                await copy.WriteAsync(kind, NpgsqlDbType.Smallint, cancellation);
                await copy.WriteAsync(recordId, NpgsqlDbType.Varchar, cancellation);
                await copy.WriteAsync(id, NpgsqlDbType.Varchar, cancellation);
                await copy.WriteAsync(serializer.ToJson(document), NpgsqlDbType.Jsonb, cancellation);
            }
            foreach (var row in Rows)
            {
                var added = row.ToEvent(state.Id);
                var record = MediaRecord.From(added, now);
                record.BatchId = BatchId;
                await Row(0, record.Id, record.Id, record);
                foreach (var (raw, canonical) in row.Hashes)
                {
                    var identifier = SuspectIdentifierAdded.Sealing(state.Id, canonical, canonical.Key, raw, null, keys);
                    var holding = IdentifierHolding.From(identifier, now, Caller.UnitId, eventVersion);
                    await Row(1, record.Id, holding.Id, holding);
                }
                if (row.ProviderFilter)
                    foreach (var key in row.Keys)
                    {
                        var filterable = FilterableHash.Of(added, key);
                        await Row(2, record.Id, filterable.Id, filterable);
                    }
            }
            await copy.CompleteAsync(cancellation);
        }
        SubjectKeyStore.Create(session, keys.TakeCreated());

        // A record the case already has adds nothing (as AddMedia); a new record's hash the case already holds keeps
        // its holding (as AddSuspectIdentifier).
        int addedRecords;
        string[] newKeys;
        await using (var insert = new NpgsqlCommand($"""
            WITH r AS (
              INSERT INTO {Table<MediaRecord>(session)} (id, data, mt_dotnet_type)
              SELECT DISTINCT ON (id) id, data, '{typeof(MediaRecord).FullName}' FROM media_import_staging WHERE kind = 0
              ON CONFLICT (id) DO NOTHING RETURNING id),
            h AS (
              INSERT INTO {Table<IdentifierHolding>(session)} (id, data, mt_dotnet_type)
              SELECT DISTINCT ON (s.id) s.id, s.data, '{typeof(IdentifierHolding).FullName}' FROM media_import_staging s JOIN r ON r.id = s.record_id WHERE s.kind = 1
              ON CONFLICT (id) DO NOTHING RETURNING data ->> 'Key' AS key),
            f AS (
              INSERT INTO {Table<FilterableHash>(session)} (id, data, mt_dotnet_type)
              SELECT DISTINCT ON (s.id) s.id, s.data, '{typeof(FilterableHash).FullName}' FROM media_import_staging s JOIN r ON r.id = s.record_id WHERE s.kind = 2
              ON CONFLICT (id) DO NOTHING)
            SELECT (SELECT count(*) FROM r)::int, coalesce((SELECT array_agg(key) FROM h), ARRAY[]::text[])
            """, connection))
        await using (var reader = await insert.ExecuteReaderAsync(cancellation))
        {
            await reader.ReadAsync(cancellation);
            addedRecords = reader.GetInt32(0);
            newKeys = reader.GetFieldValue<string[]>(1);
        }

        var held = await Scalar<int>(connection, $"SELECT count(*)::int FROM {Table<IdentifierHolding>(session)} WHERE CAST(data ->> 'CaseId' as uuid) = @case",
            cancellation, ("case", state.Id));
        if (held > Limits.MaxActiveIdentifiers) throw CaseLimitReached.Identifiers(state.Id, Limits.MaxActiveIdentifiers);

        // Most hashes of a list are new to the hub: only those another case holds are locked and decided on.
        var elsewhere = new HashSet<string>();
        await using (var others = new NpgsqlCommand(
            $"SELECT DISTINCT data ->> 'Key' FROM {Table<IdentifierHolding>(session)} WHERE data ->> 'Key' = ANY(@keys) AND CAST(data ->> 'CaseId' as uuid) <> @case", connection))
        {
            others.Parameters.AddWithValue("keys", newKeys);
            others.Parameters.AddWithValue("case", state.Id);
            await using var reader = await others.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) elsewhere.Add(reader.GetString(0));
        }
        var heldElsewhere = Rows.SelectMany(r => r.Hashes).Select(h => h.Canonical).Where(c => elsewhere.Remove(c.Key)).ToList();
        return this with { Staged = new Written(version, addedRecords, heldElsewhere) };
    }

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => state is null || Staged is null ? [] : [.. Staged.HeldElsewhere.Select(c => c.Key)];

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var staged = Staged ?? throw new InvalidOperationException("ImportMediaBatch decides only after its rows were written (Prepared).");
        var correlations = staged.HeldElsewhere.SelectMany(c => AddSuspectIdentifier.Correlate(current, c.Kind, c.Key, index, null, Options)).ToList();
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
