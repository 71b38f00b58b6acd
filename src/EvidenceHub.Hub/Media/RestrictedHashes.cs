using EvidenceHub.Hub.Store;
using Weasel.Postgresql.Tables;

namespace EvidenceHub.Hub.Media;

/// The hash keys a case restricted on its own (RestrictData of an identifier: "sha256:…", "pdq:…"), one row per case and
/// key, kept by ImportedMediaProjection: an imported row has no holding to carry the flag, and a case may hold a key in
/// several rows, or in a row imported after the restriction, so the flag belongs to the case and key, not to a row.
/// Every reader of imported rows as holdings reads it (ImportedMedia.IsRestricted): a restricted imported hash is then
/// held as a restricted holding is (lookups, correlation, GetCase, the hash check, takedown).
public static class RestrictedHashes
{
    public const string Table = EventStore.Schema + ".restricted_hashes";

    public static Table Schema()
    {
        var table = new Table(Table);
        table.AddColumn<Guid>("case_id").AsPrimaryKey();
        table.AddColumn<string>("key").AsPrimaryKey();
        return table;
    }
}
