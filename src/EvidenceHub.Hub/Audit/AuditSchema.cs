using EvidenceHub.Hub.Store;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace EvidenceHub.Hub.Audit;

/// The audit tables, created and migrated by Marten with the rest of the store. The log's tables are append-only by
/// convention only: what makes them trustworthy is the signed checkpoints, not the database's permissions.
public static class AuditSchema
{
    public const string Events = EventStore.Schema + ".mt_events";
    public const string Entries = EventStore.Schema + ".audit_log_entries";
    public const string Nodes = EventStore.Schema + ".audit_log_nodes";
    public const string Checkpoints = EventStore.Schema + ".audit_log_checkpoints";
    public const string Keys = EventStore.Schema + ".audit_log_keys";
    public const string Cosignatures = EventStore.Schema + ".audit_log_cosignatures";
    public const string AccessIndex = EventStore.Schema + ".audit_access_index";

    public static IEnumerable<Table> Tables()
    {
        // One leaf per stored event, at a dense position; the sequence ties it to the event it commits to. Both are
        // unique (the primary key, the unique index), so that the log can never hold an event twice or two leaves at one
        // position: a round that would store either fails and is rolled back whole.
        var entries = new Table($"{EventStore.Schema}.audit_log_entries");
        entries.AddColumn<long>("position").AsPrimaryKey();
        entries.AddColumn<long>("sequence").NotNull();
        entries.AddColumn("leaf_hash", "bytea").NotNull();
        entries.Indexes.Add(new IndexDefinition("ix_audit_log_entries_sequence") { Columns = ["sequence"], IsUnique = true });
        yield return entries;

        // Perfect subtrees of level 1 and above (leaves are in entries): what proofs are computed from.
        var nodes = new Table($"{EventStore.Schema}.audit_log_nodes");
        nodes.AddColumn<int>("level").AsPrimaryKey();
        nodes.AddColumn<long>("index").AsPrimaryKey();
        nodes.AddColumn("hash", "bytea").NotNull();
        yield return nodes;

        var checkpoints = new Table($"{EventStore.Schema}.audit_log_checkpoints");
        checkpoints.AddColumn<long>("tree_size").AsPrimaryKey();
        checkpoints.AddColumn("root_hash", "bytea").NotNull();
        checkpoints.AddColumn("signed_at", "timestamptz").NotNull();
        checkpoints.AddColumn("tree_head", "bytea").NotNull();
        checkpoints.AddColumn("signature", "bytea").NotNull();
        checkpoints.AddColumn("key_id", "bytea").NotNull();
        // The same checkpoint as a C2SP signed note (c2sp.org/tlog-checkpoint); null on checkpoints signed before notes.
        checkpoints.AddColumn("note", "text");
        yield return checkpoints;

        // Witnesses' cosignatures (c2sp.org/tlog-cosignature) on checkpoints, as the signature lines they sent. Kept
        // once verified; VerifyLog checks them again against the configured witness keys, never trusting this table.
        var cosignatures = new Table($"{EventStore.Schema}.audit_log_cosignatures");
        cosignatures.AddColumn<long>("tree_size").AsPrimaryKey();
        cosignatures.AddColumn<string>("witness").AsPrimaryKey();
        cosignatures.AddColumn("cosigned_at", "timestamptz").NotNull();
        cosignatures.AddColumn<string>("signature_line").NotNull();
        cosignatures.AddColumn("received_at", "timestamptz").NotNull();
        yield return cosignatures;

        // Every key that ever signed, for the record. Verification never trusts it: the keys are pinned in configuration.
        var keys = new Table($"{EventStore.Schema}.audit_log_keys");
        keys.AddColumn("key_id", "bytea").AsPrimaryKey();
        keys.AddColumn("public_key", "bytea").NotNull();
        keys.AddColumn("first_used", "timestamptz").NotNull();
        yield return keys;

        // Where to find access records by time, unit, case and identifier; their content is read from the events.
        var access = new Table($"{EventStore.Schema}.audit_access_index");
        access.AddColumn<Guid>("stream_id").AsPrimaryKey();
        access.AddColumn<long>("version").AsPrimaryKey();
        access.AddColumn("at", "timestamptz").NotNull();
        access.AddColumn<string>("unit").NotNull();
        access.AddColumn<Guid>("case_id");
        access.AddColumn("identifier_keys", "text[]").NotNull();
        // The cases an answer disclosed (lookups, networks): who learned of a case, for a narrowed sharing policy.
        access.AddColumn("disclosed_cases", "uuid[]");
        access.Indexes.Add(new IndexDefinition("ix_audit_access_at") { Columns = ["at"] });
        access.Indexes.Add(new IndexDefinition("ix_audit_access_unit_at") { Columns = ["unit", "at"] });
        access.Indexes.Add(new IndexDefinition("ix_audit_access_case_at") { Columns = ["case_id", "at"] });
        access.Indexes.Add(new IndexDefinition("ix_audit_access_identifiers") { Columns = ["identifier_keys"], Method = IndexMethod.gin });
        access.Indexes.Add(new IndexDefinition("ix_audit_access_disclosed_cases") { Columns = ["disclosed_cases"], Method = IndexMethod.gin });
        yield return access;
    }
}
