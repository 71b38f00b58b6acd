namespace EvidenceHub.Hub.Media;

/// Keeps a hash-list batch and every other writer of a hash from missing each other. A batch looks for its keys
/// elsewhere before its rows are visible, and a single add looks for imported rows before its holding is: with both
/// uncommitted at once, neither would see the other and the correlation would be lost both ways. A batch cannot take
/// one advisory lock per key (up to 40,000, beyond PostgreSQL's lock table), so it takes this one lock exclusively,
/// and every transaction that locks a hash key takes it shared first (LockedIdentifiers.LockAndLoad). A whole-case
/// command (erase, restrict, narrow) takes it exclusively too, before it reads its case's keys: an imported hash no
/// one has correlated on yet has no key lock to meet (CommandEngine). Order: after the case and near-match locks,
/// before the key locks.
public static class HashListLock
{
    public const string ExclusiveCall = "pg_advisory_xact_lock(hashtextextended('media:hash-list', 19))";

    public const string SharedCall = "pg_advisory_xact_lock_shared(hashtextextended('media:hash-list', 19))";

    /// Whether a key is of a kind a hash list holds (a file hash or a PDQ hash).
    public static bool Covers(string key) => ImportedMedia.ColumnOf(key) is not null;
}
