using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten;

namespace EvidenceHub.Hub.Sharing;

/// Who has learned what of a case, each disclosure by itself: the correlation notices (the CorrelationFound events on
/// the identifiers' streams, each with the policy the notice was computed under), the lookup and network answers (the
/// access log's disclosed cases) and the correlations told late after a widening; and the correlations standing now,
/// with the other cases as their owners hold them now.
public sealed record CaseAudience(IReadOnlyList<CaseAudience.Told> Disclosures, IReadOnlyList<CaseAudience.Standing> Correlations)
{
    /// One disclosure of the case to a unit: as owned by OwnerUnit, at Level, by the given identifiers; TheirCase is the
    /// recipient's case a correlation notice was about (none for a lookup). AskedByValue: a lookup by the raw value, so
    /// the recipient told the hub the value itself, and a notice may name it by that value.
    public sealed record Told(string Unit, string OwnerUnit, DisclosureLevel Level, IReadOnlyList<string> Keys, Guid? TheirCase, bool AskedByValue = false);

    /// A correlation of the case that stands (not retracted), with the other case as it is now (its owner after any
    /// handoff), and the case's own grading of the identifier (null: none stated, or retracted).
    public sealed record Standing(string Key, IdentifierKind Kind, CaseParty Other, Quality.Grading? Grading = null);

    public static readonly CaseAudience Nobody = new([], []);

    /// Reads the audience of the case under the locks of all its identifiers (the active and the retracted), so that
    /// no correlation on them is found while the policy changes: one found before is read here, one found after reads
    /// the new policy.
    public static async Task<CaseAudience> Load(IDocumentSession session, CaseFile file, CorrelationOptions correlation, CancellationToken cancellation)
    {
        var held = await session.Query<IdentifierHolding>().Where(h => h.CaseId == file.Id).Select(h => h.Key).ToListAsync(cancellation);
        var keys = held.Concat(file.RetractedIdentifiers.Select(i => i.Key)).Distinct().ToArray();
        var index = await LockedIdentifiers.LockAndLoad(session, keys, correlation, [file.Id], cancellation);

        var found = keys.Length == 0 ? [] : await session.QueryAsync<CorrelationFound>(
            $"SELECT data FROM {EventStore.Schema}.mt_events WHERE stream_id = ANY(?) AND type = ?", cancellation,
            keys.Select(IdentifierCorrelations.StreamIdFor).ToArray(), TypeName<CorrelationFound>(session));
        var told = new List<Told>();
        foreach (var pair in found.Where(f => f.Adding.CaseId == file.Id || f.Holding.CaseId == file.Id))
        {
            var (ours, theirs) = pair.Adding.CaseId == file.Id ? (pair.Adding, pair.Holding) : (pair.Holding, pair.Adding);
            // The notice the other unit got of this case, as FeedProjection computed it.
            told.Add(new Told(theirs.Unit, ours.Unit, CaseDisclosure.Of(ours, new Recipient(theirs.Unit)), [pair.Key], theirs.CaseId));
        }

        told.AddRange(await Answers(session, file.Id, cancellation));

        var earlier = await session.Events.FetchStreamAsync(SharingNoticesSent.StreamIdFor(file.Id), token: cancellation);
        foreach (var widened in earlier.Select(e => e.Data).OfType<SharingNoticesSent>().SelectMany(s => s.Widened))
            told.Add(new Told(widened.Unit, widened.Widened.Unit, CaseDisclosure.Of(widened.Widened, new Recipient(widened.Unit)), [widened.Key], widened.TheirCase));

        var kinds = found.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First().Kind);
        var standing = keys.SelectMany(key => index.CorrelationsOn(key)
                .Where(p => p.AddingCase == file.Id || p.HoldingCase == file.Id)
                .Select(p => p.AddingCase == file.Id ? p.HoldingCase : p.AddingCase)
                .Where(other => other != file.Id && index.PartyOf(other) is not null)
                .Select(other => (Key: key, Other: other)))
            .Distinct()
            .Select(c => new Standing(c.Key, kinds.GetValueOrDefault(c.Key), index.PartyOf(c.Other)!, index.HoldingOf(file.Id, c.Key)?.Grading))
            .ToList();
        return new CaseAudience(told, standing);
    }

    /// The lookup and network answers that disclosed the case, as the access log records them: whom, as owned by whom, at
    /// which level, by which identifiers, and whether the recipient asked by the raw value (a lookup whose record asks
    /// "{kind} {key}"; a blind token or a network walk told the hub no value).
    public static async Task<IReadOnlyList<Told>> Answers(IQuerySession session, Guid caseId, CancellationToken cancellation)
    {
        var answers = await session.QueryAsync<AccessRecorded>(
            $"SELECT e.data FROM {AuditSchema.AccessIndex} a JOIN {AuditSchema.Events} e ON e.stream_id = a.stream_id AND e.version = a.version " +
            "WHERE a.disclosed_cases @> ARRAY[CAST(? AS uuid)]", cancellation, caseId);
        return answers.Where(a => a.Outcome == AccessOutcome.Allowed)
            .SelectMany(answer => (answer.DisclosedCases ?? []).Where(c => c.CaseId == caseId).Select(shown => new Told(answer.Unit, shown.OwnerUnit, shown.Level, shown.Keys, null,
                AskedByValue: answer.Operation is "Lookup" or "BatchLookup" && shown.Keys.Count == 1
                    && !answer.Asked.StartsWith("token ", StringComparison.Ordinal) && answer.Asked.EndsWith(" " + shown.Keys[0], StringComparison.Ordinal))))
            .ToList();
    }

    private static string TypeName<T>(IDocumentSession session) =>
        ((JasperFx.Events.IEventRegistry)session.DocumentStore.Options.Events).EventMappingFor(typeof(T)).EventTypeName;
}
