using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf.WellKnownTypes;
using EvidenceHub.Hub.Telemetry;
using Marten;
using EvidenceHub.Hub.Media;
using EvidenceHub.Media.NearMatch;

namespace EvidenceHub.Hub.Lookup;

/// Answers hit / no-hit for many identifiers at once, in one query.
public sealed class HitQuery(BlindTokens tokens, CorrelationOptions correlation, TimeProvider clock, Erasure.IdentifierPseudonym pseudonyms, MediaHashes? media = null)
{
    /// An identifier asked about, resolved to its match key (canonicalised, then pseudonymised: the access record names
    /// it by kind and pseudonym, never by value); Key is null for a blind token nobody holds.
    public sealed record Question(string Asked, string? Key);

    public Question Resolve(IdentifierQuery? query, Caller caller, string field = "identifier")
    {
        switch (query?.QueryCase)
        {
            case IdentifierQuery.QueryOneofCase.Raw:
                var canonical = IdentifierMapping.Canonicalize(IdentifierMapping.RawOf(query.Raw, field + ".raw"), caller.Country, field + ".raw");
                var key = pseudonyms.MatchKeyOf(canonical);
                return new Question($"{canonical.Kind} {key}", key);
            case IdentifierQuery.QueryOneofCase.BlindToken:
                var token = query.BlindToken.Trim();
                if (tokens.Problem(token) is { } problem) throw Rejection.InvalidArgument(field + ".blind_token", problem);
                return new Question("token " + token, null);
            default:
                throw Rejection.InvalidArgument(field, "is required: a raw identifier or a blind token");
        }
    }

    /// Resolves blind tokens to keys (a token nobody holds stays without a key: a no-hit).
    public static async Task<IReadOnlyList<Question>> ResolveTokens(IQuerySession session, IReadOnlyList<Question> questions, CancellationToken cancellation)
    {
        var tokenIds = questions.Where(q => q.Key is null).Select(q => q.Asked["token ".Length..]).Distinct().ToArray();
        if (tokenIds.Length == 0) return questions;
        var found = (await session.LoadManyAsync<BlindToken>(cancellation, tokenIds)).ToDictionary(t => t.Id, t => t.Key);
        return questions.Select(q => q.Key is null ? q with { Key = found.GetValueOrDefault(q.Asked["token ".Length..]) } : q).ToList();
    }

    /// A question with its token resolved, the answer to it and the cases it disclosed (for the access record).
    public sealed record Answered(Question Question, LookupAnswer Answer, IReadOnlyList<Audit.DisclosedCase>? Cases = null);

    /// One row of the lookup query: a key asked about (with the token that named it, if any), how many cases holding
    /// it the caller may see (for the common flag, counted up to the threshold: a hidden holder must not make a value
    /// common to a caller), and one case holding it that the caller may see.
    private sealed record Found(string? Token, string? Key, long Holders, IdentifierHolding? Holding, CaseSummary? Case);

    private string? sql;

    /// Resolves the blind tokens, finds the holdings (identifier holdings and imported hash-list rows alike) the caller may see and reads the summaries of their cases: one
    /// round trip. A case the caller may not see is filtered by the disclosure predicate where its holding is read,
    /// so it costs what an absent one costs; a token nobody holds is probed like a held one, so an unknown token and one
    /// held only by hidden cases run the same statement and the same index lookups. The summary is a lateral subquery with
    /// LIMIT 1, so that it is always read by its key: PostgreSQL flattens a plain lateral subquery into a join, and with
    /// statistics not yet gathered it then hashed every case summary for a single lookup.
    private string Sql(IQuerySession session)
    {
        string Table<T>() => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        // Probed with '' (no key is empty) for a token nobody holds, so that it runs the statements a held token runs.
        return sql ??= $"""
            SELECT jsonb_build_object('Token', w.token, 'Key', w.key, 'Holding', v.holding, 'Case', v.summary,
                'Holders', (SELECT count(*) FROM (
                    SELECT DISTINCT x.data ->> 'CaseId' FROM {ImportedMedia.HoldingsOfKey(Table<IdentifierHolding>(), "w.probe")} AS x(data),
                         LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = CAST(x.data ->> 'CaseId' AS uuid) LIMIT 1) AS xc
                    WHERE {DisclosureSql.Discloses("xc.data", "r", "x.data")}
                    LIMIT {correlation.CommonThreshold}) AS seen))
            FROM {DisclosureSql.RecipientRelation} AS r
            CROSS JOIN (SELECT NULL::text, k, k FROM unnest(?::text[]) AS k
                  UNION ALL
                  SELECT q.id, t.data ->> 'Key', COALESCE(t.data ->> 'Key', '')
                  FROM unnest(?::text[]) AS q(id) LEFT JOIN {Table<BlindToken>()} t ON t.id = q.id) AS w(token, key, probe)
            LEFT JOIN LATERAL (
                SELECT h.data AS holding, c.data AS summary
                FROM {ImportedMedia.HoldingsOfKey(Table<IdentifierHolding>(), "w.probe")} AS h(data),
                     LATERAL (SELECT s.data FROM {Table<CaseSummary>()} s WHERE s.id = CAST(h.data ->> 'CaseId' AS uuid) LIMIT 1) AS c
                WHERE {DisclosureSql.Discloses("c.data", "r", "h.data")}) AS v ON true
            """;
    }

    public async Task<IReadOnlyList<Answered>> Answer(IQuerySession session, IReadOnlyList<Question> questions, Caller caller, CancellationToken cancellation)
    {
        using var activity = HubTelemetry.Source.StartActivity("lookup");
        activity?.SetTag("evidencehub.unit", caller.UnitId);
        activity?.SetTag("evidencehub.identifiers", questions.Count);
        var asked = questions.Select(q => q.Key).OfType<string>().Distinct().ToArray();
        var near = await NearKeys(session, asked, cancellation);
        var keys = asked.Concat(near.Values.SelectMany(n => n.Select(m => m.Key))).Distinct().ToArray();
        var tokenIds = questions.Where(q => q.Key is null).Select(q => q.Asked["token ".Length..]).Distinct().ToArray();
        var now = clock.GetUtcNow();
        var recipient = Recipient.Of(caller);
        var found = keys.Length + tokenIds.Length == 0 ? [] : await session.QueryAsync<Found>(Sql(session), cancellation, [.. DisclosureSql.Parameters(recipient, now), keys, tokenIds]);
        var tokenKeys = found.Where(f => f.Token is not null && f.Key is not null).DistinctBy(f => f.Token).ToDictionary(f => f.Token!, f => f.Key!);
        var holders = found.Where(f => f.Key is not null).DistinctBy(f => f.Key).ToDictionary(f => f.Key!, f => f.Holders);
        var byKey = found.Where(f => f.Holding is not null && f.Case is not null).DistinctBy(f => f.Holding!.Id).ToLookup(f => f.Key!);
        // The handling restrictions of the cases found are sealed under their case subjects: their keys in one more
        // query for the whole answer, only when a case found has restrictions (never one read per hit).
        var restrictionSubjects = SharingPolicyText.SubjectsOf(found.Select(f => f.Case?.SharingPolicy.HandlingRestrictions));
        var restrictionKeys = restrictionSubjects.Length == 0 ? new SubjectKeyRing() : await SubjectKeyStore.Load(session, restrictionSubjects, cancellation);

        return questions.Select(question =>
        {
            // A token nobody holds stays without a key: a no-hit.
            if (question.Key is null) question = question with { Key = tokenKeys.GetValueOrDefault(question.Asked["token ".Length..]) };
            var answer = new LookupAnswer();
            if (question.Key is null) return new Answered(question, answer);
            var disclosed = new List<Audit.DisclosedCase>();
            // In a fixed order (the rows come as stored, and storage order depends on every case, seen or not).
            // A PDQ query also finds the cases holding a hash within the match distance: each case once, at its nearest.
            var matches = byKey[question.Key].Select(f => (Found: f, Distance: 0))
                .Concat(near.GetValueOrDefault(question.Key, []).SelectMany(n => byKey[n.Key].Select(f => (Found: f, n.Distance))))
                .GroupBy(m => m.Found.Case!.Id).Select(g => g.MinBy(m => m.Distance));
            int? nearest = null;
            foreach (var ((_, _, _, holding, file), distance) in matches.OrderBy(m => m.Found.Case!.OwnerUnit, StringComparer.Ordinal).ThenBy(m => m.Found.Case!.Reference, StringComparer.Ordinal))
            {
                var level = CaseDisclosure.Of(file!, recipient, now, holding);
                if (level == DisclosureLevel.None) continue;
                answer.Disclosures.Add(Disclose(file!, holding!, level, restrictionKeys));
                disclosed.Add(new Audit.DisclosedCase(file!.Id, file.OwnerUnit, level, [question.Key]));
                nearest = Math.Min(nearest ?? distance, distance);
            }
            if (nearest is { } found && question.Key.StartsWith("pdq:", StringComparison.Ordinal)) answer.Distance = found;
            answer.Hit = answer.Disclosures.Count > 0;
            // Only with a hit: a flag on a no-hit would tell that someone holds the value.
            answer.Common = answer.Hit && holders.GetValueOrDefault(question.Key) >= correlation.CommonThreshold;
            HubTelemetry.IdentifiersLookedUp.Add(1, new KeyValuePair<string, object?>("result", answer.Hit ? "hit" : "no-hit"));
            return new Answered(question, answer, disclosed);
        }).ToList();
    }

    /// For each PDQ key asked, the stored hashes within the match distance (the index caught up first, so that a hash
    /// added on another instance is found); which cases hold them, and which of those the caller may see, the query says.
    private async Task<Dictionary<string, IReadOnlyList<(string Key, int Distance)>>> NearKeys(IQuerySession session, string[] keys, CancellationToken cancellation)
    {
        var pdq = keys.Where(k => k.StartsWith("pdq:", StringComparison.Ordinal)).ToArray();
        if (media is null || pdq.Length == 0) return [];
        await media.CatchUp(session, cancellation);
        return pdq.ToDictionary(k => k, k => Hash256.TryParse(k.AsSpan(4), out var hash) ? media.Near(hash) : []);
    }

    /// keys: those of the case's subject, which open its handling restrictions.
    public static Disclosure Disclose(CaseSummary file, IdentifierHolding holding, DisclosureLevel level, SubjectKeyRing keys)
    {
        var disclosure = DisclosureMapping.Contact(file.Party, SharingPolicyText.Open(file.SharingPolicy.HandlingRestrictions, keys), grading: holding.Grading);
        if (level == DisclosureLevel.Summary)
        {
            disclosure.Kind = IdentifierMapping.ToProto(holding.Kind);
            disclosure.FirstSeen = Timestamp.FromDateTimeOffset(holding.AddedAt);
            disclosure.VictimCount = file.VictimCount;
            disclosure.VictimCountries.AddRange(file.VictimsByCountry.Keys.Order());
        }
        return disclosure;
    }

    /// The access-log summary of what an answer disclosed: which cases, at which level. Never victim details.
    public static string? Disclosed(LookupAnswer answer) => answer.Hit
        ? string.Join("; ", answer.Disclosures.Select(d => $"{d.OwnerUnit} case {d.CaseReference} ({(d.Kind != Contracts.V1.IdentifierKind.Unspecified ? "summary" : "contact")}, {d.Tlp}, {d.HandlingCode}, graded {GradingMapping.Code(d.Grading)})"))
        : null;
}
