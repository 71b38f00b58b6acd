using EvidenceHub.Hub.Store;
using Marten;
using Marten.Services.BatchQuerying;
using Weasel.Postgresql.Tables;

namespace EvidenceHub.Hub.Erasure;

public enum SubjectKind { VictimLink = 1, IdentifierHolding = 2, Case = 3 }

/// One subject's data key. Subject ids are random (never derived from the case or the value), so that a subject erased
/// and then added again gets a new key, and the id tells nothing.
public sealed record SubjectKey(Guid Subject, Guid CaseId, SubjectKind Kind, byte[] Key);

/// The data keys, in a table of their own (evidencehub.subject_keys) and nowhere else: no event, document or log leaf
/// holds a key, so deleting its row erases every value sealed under it. Every operation joins the caller's Marten
/// session or batch: creating keys rides on the command's own SaveChanges, loading rides on the command's read batch,
/// so neither costs a round trip of its own.
public static class SubjectKeyStore
{
    public const string Table = EventStore.Schema + ".subject_keys";

    public static Table Schema()
    {
        var table = new Table(Table);
        table.AddColumn<Guid>("subject").AsPrimaryKey();
        table.AddColumn<Guid>("case_id").NotNull();
        table.AddColumn<int>("kind").NotNull();
        table.AddColumn("key", "bytea").NotNull();
        table.AddColumn("created_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        table.Indexes.Add(new IndexDefinition("ix_subject_keys_case") { Columns = ["case_id"] });
        return table;
    }

    /// Registers the table with the store's schema (created and migrated with the rest).
    public static void AddSubjectKeys(this StoreOptions options) => options.Storage.ExtendedSchemaObjects.Add(Schema());

    /// Queues the inserts in the session: they commit with its events or not at all. A subject stored twice fails the
    /// whole transaction (never two keys for one subject, one of them sealing values nobody can open).
    public static void Create(IDocumentSession session, IReadOnlyList<SubjectKey> keys)
    {
        if (keys.Count == 0) return;
        session.QueueSqlCommand(
            $"INSERT INTO {Table} (subject, case_id, kind, key) SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::int[], ?::bytea[])",
            keys.Select(k => k.Subject).ToArray(), keys.Select(k => k.CaseId).ToArray(),
            keys.Select(k => (int)k.Kind).ToArray(), keys.Select(k => k.Key).ToArray());
    }

    private const string Select = $"SELECT jsonb_build_object('Subject', subject, 'CaseId', case_id, 'Kind', kind, 'Key', encode(key, 'base64')) FROM {Table}";

    /// The keys of the given subjects that still exist, in one query (a subject missing from the answer was erased).
    public static async Task<SubjectKeyRing> Load(IQuerySession session, IReadOnlyCollection<Guid> subjects, CancellationToken cancellation) =>
        subjects.Count == 0
            ? new SubjectKeyRing()
            : new SubjectKeyRing((await session.QueryAsync<Row>($"{Select} WHERE subject = ANY(?)", cancellation, subjects.Distinct().ToArray())).Select(r => r.ToKey()));

    /// The same, as part of a batch the caller executes (e.g. beside the identifier holdings in LockAndLoad).
    public static Func<Task<SubjectKeyRing>> Load(IBatchedQuery batch, IReadOnlyCollection<Guid> subjects)
    {
        var rows = batch.Query<Row>($"{Select} WHERE subject = ANY(?)", subjects.Distinct().ToArray());
        return async () => new SubjectKeyRing((await rows).Select(r => r.ToKey()));
    }

    /// Every key of a case (replay, as-of and GetCase read a whole case), in one query.
    public static async Task<SubjectKeyRing> LoadCase(IQuerySession session, Guid caseId, CancellationToken cancellation) =>
        new((await session.QueryAsync<Row>($"{Select} WHERE case_id = ?", cancellation, caseId)).Select(r => r.ToKey()));

    /// Every key of the given cases, as part of a batch the caller executes (the command engine's read of its cases).
    public static Func<Task<SubjectKeyRing>> LoadCases(IBatchedQuery batch, IReadOnlyCollection<Guid> caseIds)
    {
        var rows = batch.Query<Row>($"{Select} WHERE case_id = ANY(?)", caseIds.Distinct().ToArray());
        return async () => new SubjectKeyRing((await rows).Select(r => r.ToKey()));
    }

    /// Queues the destruction of the subjects' keys in the session, to commit with the erasure event. Only the
    /// subjects of the given case are touched: an erasure names its case, and cannot reach another unit's data.
    public static void Destroy(IDocumentSession session, Guid caseId, IReadOnlyCollection<Guid> subjects)
    {
        if (subjects.Count == 0) return;
        session.QueueSqlCommand($"DELETE FROM {Table} WHERE case_id = ? AND subject = ANY(?)", caseId, subjects.Distinct().ToArray());
    }

    /// Queues the destruction of every key of the case (its case subject, victim links, identifier holdings: whatever
    /// subjects it has), to commit with its CaseErased.
    public static void DestroyCase(IDocumentSession session, Guid caseId) =>
        session.QueueSqlCommand($"DELETE FROM {Table} WHERE case_id = ?", caseId);

    private sealed record Row(Guid Subject, Guid CaseId, SubjectKind Kind, byte[] Key)
    {
        public SubjectKey ToKey() => new(Subject, CaseId, Kind, Key);
    }
}
