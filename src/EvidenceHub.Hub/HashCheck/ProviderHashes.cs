using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identifiers.Canonicalization;
using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Media.NearMatch;
using Marten;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Hub.HashCheck;

/// What a hosting party may learn of a hash: known or not, the highest category among the matching records, and for a
/// PDQ hash the distance of the nearest. A hash is known only through a media record whose owner set provider_filter,
/// whose case still holds it unrestricted (not retracted, no restricted identifier) in a case that is not restricted:
/// the owner's flag is the disclosure decision, so the case's TLP and partners play no part. Everything else answers
/// the empty HashAnswer, whatever the reason.
public sealed class ProviderHashes(MediaHashes media)
{
    /// The canonical key of a question ("sha256:…", "pdq:…"), or INVALID_ARGUMENT naming the question's field.
    public static string KeyOf(HashQuestion? question, string field)
    {
        var (kind, value, name) = question?.HashCase switch
        {
            HashQuestion.HashOneofCase.Sha256 => (IdentifierKind.FileHashSha256, question.Sha256, "sha256"),
            HashQuestion.HashOneofCase.Sha1 => (IdentifierKind.FileHashSha1, question.Sha1, "sha1"),
            HashQuestion.HashOneofCase.Md5 => (IdentifierKind.FileHashMd5, question.Md5, "md5"),
            HashQuestion.HashOneofCase.Pdq => (IdentifierKind.PerceptualHash, question.Pdq, "pdq"),
            _ => throw Rejection.InvalidArgument(field, "is required: one of sha256, sha1, md5 or pdq"),
        };
        RequestFields.Text(value, $"{field}.{name}", IdentifierMapping.MaxRawValueLength, required: true);
        var result = IdentifierCanonicalizer.Canonicalize(new RawIdentifier(kind, value, null, null), "");
        return result.Identifier?.Key ?? throw Rejection.InvalidArgument($"{field}.{name}", result.Violation!.Description);
    }

    private sealed record Held(string Key, int Category);

    private string? sql;

    // The rule at the egress, inside the query: rows of hashes a provider may not learn are never read into the hub.
    private string Sql(IQuerySession session)
    {
        string Table<T>() => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        return sql ??= $"""
            SELECT jsonb_build_object('Key', held.key, 'Category', max(held.category)) FROM (
              SELECT f.data ->> 'Key' AS key, CAST(f.data ->> 'Category' AS int) AS category
              FROM {Table<FilterableHash>()} f
              JOIN {Table<IdentifierHolding>()} h ON h.id = f.data ->> 'HoldingId'
              JOIN {Table<CaseSummary>()} s ON s.id = CAST(f.data ->> 'CaseId' AS uuid)
              WHERE f.data ->> 'Key' = ANY(?::text[])
                AND NOT COALESCE(h.data ->> 'Restricted' = 'true', false)
                AND NOT COALESCE(s.data ->> 'Restricted' = 'true', false)
              UNION ALL
              -- An imported record flagged by its owner: its row is the flag, and its restricted keys its holdings' flags.
              SELECT k, i.category
              FROM unnest(?::text[]) AS k
              JOIN {ImportedMedia.Table} i ON {ImportedMedia.Holds("i", "k")}
              JOIN {Table<CaseSummary>()} s ON s.id = i.case_id
              WHERE i.provider_filter AND NOT {ImportedMedia.IsRestricted("i", "k")}
                AND NOT COALESCE(s.data ->> 'Restricted' = 'true', false)) AS held
            GROUP BY held.key
            """;
    }

    public async Task<IReadOnlyList<HashAnswer>> Answer(IQuerySession session, IReadOnlyList<string> keys, CancellationToken cancellation)
    {
        var near = new Dictionary<string, IReadOnlyList<(string Key, int Distance)>>();
        if (keys.Any(IsPdq))
        {
            // Caught up first, so that a hash added on another instance is found.
            await media.CatchUp(session, cancellation);
            foreach (var key in keys.Where(IsPdq).Distinct())
                near[key] = Hash256.TryParse(key.AsSpan(4), out var hash) ? media.Near(hash) : [];
        }
        var asked = keys.Concat(near.Values.SelectMany(n => n.Select(m => m.Key))).Distinct().ToArray();
        var held = (await session.QueryAsync<Held>(Sql(session), cancellation, asked, asked)).ToDictionary(h => h.Key, h => h.Category);

        return keys.Select(key =>
        {
            var matches = new[] { (Key: key, Distance: 0) }.Concat(near.GetValueOrDefault(key, []))
                .Where(m => held.ContainsKey(m.Key)).ToList();
            if (matches.Count == 0) return new HashAnswer();
            var answer = new HashAnswer { Known = true, Category = matches.Max(m => held[m.Key]) };
            if (IsPdq(key)) answer.Distance = matches.Min(m => m.Distance);
            return answer;
        }).ToList();
    }

    private static bool IsPdq(string key) => key.StartsWith("pdq:", StringComparison.Ordinal);
}
