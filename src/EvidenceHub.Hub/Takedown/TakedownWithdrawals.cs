using EvidenceHub.Hub.Media;
using Marten;

namespace EvidenceHub.Hub.Takedown;

/// The hub withdraws an open request once its material is no longer the case's to ask about: a media record of it
/// retracted (RetractMedia), one of its file hashes no longer held by the case (retracted or erased:
/// EraseSuspectIdentifier) or restricted, the case restricted (RestrictData) or erased (EraseCase). Withdrawn, not
/// closed: the provider is told once that it need not act, and notified no more; the request's history says why.
public static class TakedownWithdrawals
{
    /// What the provider reads when the hub withdrew a request, whatever the cause: it learns nothing of the case.
    public const string ToProvider = "Withdrawn by the hub: the requesting authority no longer asks for the removal of this material.";

    /// The cause as the request's history shows it to the requesting unit, the case's leads and auditors.
    public static string? Cause(TakedownWithdrawal cause) => cause switch
    {
        TakedownWithdrawal.MediaRetracted => "withdrawn by the hub: a media record of the request was retracted from the case",
        TakedownWithdrawal.HashNotHeld => "withdrawn by the hub: a file hash of the request is no longer held by the case (retracted or erased)",
        TakedownWithdrawal.HashRestricted => "withdrawn by the hub: a file hash of the request was restricted",
        TakedownWithdrawal.CaseRestricted => "withdrawn by the hub: the case was restricted",
        TakedownWithdrawal.CaseErased => "withdrawn by the hub: the case was erased",
        _ => null,
    };

    /// What the requesting unit's feed says when the hub withdrew its request: the cause as the history shows it while
    /// the unit leads the case (its own, or one it co-leads: it is told of every restriction and erasure of it anyway);
    /// once it no longer leads it (handed off, left as co-lead), only that the hub withdrew it.
    public static string ToRequestingUnit(TakedownWithdrawal cause, bool leadsCase) =>
        leadsCase && Cause(cause) is { } words ? words : ToFormerLead;

    public const string ToFormerLead = "withdrawn by the hub: the request's material is no longer asked about";

    /// The hub's withdrawal of a request still open; null when it was answered or withdrawn meanwhile.
    public static TakedownWithdrawn? ByHub(TakedownRecord record, TakedownWithdrawal cause, DateTimeOffset now) =>
        record.IsOpen && cause != TakedownWithdrawal.ByRequestingUnit
            ? new TakedownWithdrawn(record.Id, record.Provider, cause, null, TakedownAnswer.Stored(now))
            : null;

    /// Open requests whose material is no longer the case's to ask about, with the first cause that holds (oldest
    /// first), found in one statement: the case file, the media records (by case and keys) and the identifier holdings
    /// of the file hashes (by id) are read by key.
    public static async Task<IReadOnlyList<(Guid Id, TakedownWithdrawal Cause)>> Due(IQuerySession session, int max, CancellationToken cancellation)
    {
        string Table<T>() => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        var found = await session.QueryAsync<Found>($"""
            SELECT jsonb_build_object('Id', r.id, 'Cause', c.cause) FROM {Table<TakedownRecord>()} r
            CROSS JOIN LATERAL (SELECT {CauseOf("r", Table<Cases.CaseFile>(), Table<Media.MediaRecord>(), Table<Identifiers.IdentifierHolding>())} AS cause) c
            WHERE r.data ->> 'Status' IN ('Open', 'Acknowledged') AND c.cause IS NOT NULL
            ORDER BY CAST(r.data ->> 'FiledAt' AS timestamptz)
            LIMIT ?
            """, cancellation, max);
        return found.Select(f => (f.Id, (TakedownWithdrawal)f.Cause)).ToList();
    }

    private sealed record Found(Guid Id, int Cause);

    /// The SQL of a request's cause (an int of TakedownWithdrawal), or NULL while all its material is askable. A record
    /// of an imported hash list is its row (found by its first hash, its case and the digest of its keys), a hash of it
    /// is held in that row, and restricted as the case's restricted hashes say (RestrictedHashes).
    public static string CauseOf(string request, string cases, string media, string holdings) => $"""
        (SELECT CASE
            WHEN f.id IS NULL OR f.data ->> 'ErasedAt' IS NOT NULL THEN {(int)TakedownWithdrawal.CaseErased}
            WHEN CAST(f.data ->> 'Restricted' AS boolean) THEN {(int)TakedownWithdrawal.CaseRestricted}
            WHEN EXISTS (SELECT 1 FROM jsonb_array_elements({request}.data -> 'Material') m
                WHERE NOT EXISTS (SELECT 1 FROM {media} mr WHERE CAST(mr.data ->> 'CaseId' AS uuid) = f.id AND mr.data -> 'Keys' = m -> 'Keys')
                  AND NOT EXISTS (SELECT 1 FROM {ImportedMedia.Table} i WHERE (m -> 'Keys' ->> 0) IN (i.sha256, i.sha1, i.md5) AND i.case_id = f.id AND i.record =
                      (SELECT left(encode(sha256(convert_to(string_agg(x.k, chr(10) ORDER BY x.n), 'UTF8')), 'hex'), 16)
                       FROM jsonb_array_elements_text(m -> 'Keys') WITH ORDINALITY AS x(k, n))))
                THEN {(int)TakedownWithdrawal.MediaRetracted}
            WHEN EXISTS (SELECT 1 FROM jsonb_array_elements_text({request}.data -> 'Keys') k
                WHERE k NOT LIKE 'pdq:%' AND NOT EXISTS (SELECT 1 FROM {holdings} h WHERE h.id = replace(CAST(f.id AS text), '-', '') || '|' || k)
                  AND NOT EXISTS (SELECT 1 FROM {ImportedMedia.Table} i WHERE i.case_id = f.id AND (i.sha256 = k OR i.sha1 = k OR i.md5 = k)))
                THEN {(int)TakedownWithdrawal.HashNotHeld}
            WHEN EXISTS (SELECT 1 FROM jsonb_array_elements_text({request}.data -> 'Keys') k
                WHERE k NOT LIKE 'pdq:%' AND (
                    EXISTS (SELECT 1 FROM {holdings} h WHERE h.id = replace(CAST(f.id AS text), '-', '') || '|' || k AND CAST(h.data ->> 'Restricted' AS boolean))
                    OR EXISTS (SELECT 1 FROM {RestrictedHashes.Table} r WHERE r.case_id = f.id AND r.key = k)))
                THEN {(int)TakedownWithdrawal.HashRestricted}
         END
         FROM (SELECT 1) one LEFT JOIN {cases} f ON f.id = CAST({request}.data ->> 'CaseId' AS uuid))
        """;
}
