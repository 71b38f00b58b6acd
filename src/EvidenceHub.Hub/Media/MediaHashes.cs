using System.Collections.Concurrent;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Store;
using EvidenceHub.Media.NearMatch;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Media;

/// The PDQ hashes of every media record on the hub, in one near-match index per hub instance. It follows the media
/// events in the store rather than this instance's writes, so that every instance converges on the same hashes:
/// every command that adds or retracts a PDQ hash first takes one advisory lock and catches up (so its decision sees
/// every hash committed before it, on any instance), and lookups catch up before they search. The lock orders those
/// commands, so their events' sequence numbers grow in commit order and "everything after the last one read" misses
/// none. It is also where a burst's media commands read the media records they decide on (CaseMediaRecords). A hash held by several records is one entry; whether a case still holds it is for the identifier index to say.
public sealed class MediaHashes(IOptions<MediaOptions> options) : ICommandPreparation
{
    private readonly NearMatchIndex index = new(Math.Min(NearMatchIndex.MaxSupportedDistance, options.Value.MatchDistance));
    private readonly Dictionary<Hash256, (long Id, int Records)> entries = [];
    private readonly ConcurrentDictionary<long, Hash256> byId = new();
    private readonly SemaphoreSlim catchingUp = new(1, 1);
    private long nextId;
    private long position;

    public MediaOptions Options => options.Value;

    public static string KeyOf(Hash256 hash) => "pdq:" + hash.ToHex();

    /// The stored hashes within the match distance of the given one, other than itself, closest first.
    public IReadOnlyList<(string Key, int Distance)> Near(Hash256 hash) => index.Within(hash, Options.MatchDistance)
        .Where(m => m.Distance > 0 && byId.ContainsKey(m.Id))
        .Select(m => (KeyOf(byId[m.Id]), m.Distance))
        .ToList();

    /// Before a burst's media commands decide: the near-match lock and catch-up for those that add or retract a PDQ
    /// hash, then the media records they name.
    public async Task Prepare(IDocumentSession session, IReadOnlyList<Command> commands, CancellationToken cancellation)
    {
        await session.BeginTransactionAsync(cancellation);
        if (commands.Any(c => c is AddMedia { Pdq: not null } or RetractMedia))
        {
            await session.QueryAsync<long>("select count(*) from (select pg_advisory_xact_lock(hashtextextended('media:near-match', 13))) locked", cancellation);
            await CatchUp(session, cancellation);
        }
        var records = await CaseMediaRecords.Load(session, commands, cancellation);
        foreach (var command in commands)
        {
            if (command is AddMedia add) add.Records = records;
            else if (command is RetractMedia retract) retract.Records = records;
        }
    }

    private sealed record Change(long Seq, bool Added, string Pdq);

    /// Reads the media events with a PDQ hash past the last one read (at start: all of them).
    public async Task CatchUp(IQuerySession session, CancellationToken cancellation)
    {
        await catchingUp.WaitAsync(cancellation);
        try
        {
            var changes = await session.QueryAsync<Change>(
                "SELECT c FROM (" +
                $"SELECT jsonb_build_object('Seq', seq_id, 'Added', type = 'media_added', 'Pdq', data ->> 'Pdq') AS c, seq_id AS s FROM {EventStore.Schema}.mt_events " +
                "WHERE seq_id > ? AND type IN ('media_added', 'media_retracted') AND data ->> 'Pdq' IS NOT NULL " +
                // An imported batch's hashes are in its imported rows, named by the batch's event.
                $"UNION ALL SELECT jsonb_build_object('Seq', e.seq_id, 'Added', true, 'Pdq', substr(i.pdq, 5)), e.seq_id FROM {EventStore.Schema}.mt_events e " +
                $"JOIN {ImportedMedia.Table} i ON i.batch_id = e.data ->> 'BatchId' AND i.case_id = CAST(e.data ->> 'CaseId' AS uuid) " +
                "WHERE e.seq_id > ? AND e.type = 'media_batch_imported' AND i.pdq IS NOT NULL) changes ORDER BY s",
                cancellation, position, position);
            foreach (var change in changes)
            {
                if (Hash256.TryParse(change.Pdq, out var hash))
                {
                    if (change.Added) Add(hash);
                    else Remove(hash);
                }
                position = change.Seq;
            }
        }
        finally { catchingUp.Release(); }
    }

    /// For deciding without a database (the decider tests).
    internal void Add(Hash256 hash)
    {
        if (entries.TryGetValue(hash, out var entry))
        {
            entries[hash] = entry with { Records = entry.Records + 1 };
            return;
        }
        var id = ++nextId;
        byId[id] = hash;
        index.Add(hash, id);
        entries[hash] = (id, 1);
    }

    private void Remove(Hash256 hash)
    {
        if (!entries.TryGetValue(hash, out var entry)) return;
        if (entry.Records > 1)
        {
            entries[hash] = entry with { Records = entry.Records - 1 };
            return;
        }
        entries.Remove(hash);
        index.Remove(hash, entry.Id);
        byId.TryRemove(entry.Id, out _);
    }
}
