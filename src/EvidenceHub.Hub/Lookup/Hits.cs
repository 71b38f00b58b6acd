using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;
using Google.Protobuf.WellKnownTypes;
using EvidenceHub.Hub.Telemetry;
using Marten;

namespace EvidenceHub.Hub.Lookup;

/// Answers hit / no-hit for many identifiers at once: one query for the holdings, one for the cases.
public sealed class Hits(BlindTokens tokens, CorrelationOptions correlation)
{
    /// An identifier asked about, resolved to its canonical key; Key is null for a blind token nobody holds.
    public sealed record Question(string Asked, string? Key);

    public Question Resolve(IdentifierQuery? query, Caller caller, string field = "identifier")
    {
        switch (query?.QueryCase)
        {
            case IdentifierQuery.QueryOneofCase.Raw:
                var canonical = IdentifierRequests.Canonicalize(IdentifierRequests.RawOf(query.Raw, field + ".raw"), caller.Country, field + ".raw");
                return new Question(canonical.Key, canonical.Key);
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

    public async Task<IReadOnlyList<LookupAnswer>> Answer(IQuerySession session, IReadOnlyList<Question> questions, Caller caller, CancellationToken cancellation)
    {
        using var activity = HubTelemetry.Source.StartActivity("lookup");
        activity?.SetTag("evidencehub.unit", caller.UnitId);
        activity?.SetTag("evidencehub.identifiers", questions.Count);
        var keys = questions.Select(q => q.Key).OfType<string>().Distinct().ToArray();
        // The holdings, then the small summaries of the cases that hold them. Two plain queries: Marten's Include
        // would do it in one, but through a temporary table created on every call, which measured slower.
        var holdings = keys.Length == 0
            ? []
            : await session.Query<IdentifierHolding>().Where(h => keys.Contains(h.Key)).ToListAsync(cancellation);
        var files = holdings.Count == 0
            ? new Dictionary<Guid, CaseSummary>()
            : (await session.LoadManyAsync<CaseSummary>(cancellation, holdings.Select(h => h.CaseId).Distinct().ToArray())).ToDictionary(f => f.Id);
        var byKey = holdings.ToLookup(h => h.Key);

        return questions.Select(question =>
        {
            var answer = new LookupAnswer();
            if (question.Key is null) return answer;
            var held = byKey[question.Key].Where(h => files.ContainsKey(h.CaseId)).ToList();
            foreach (var holding in held)
            {
                var file = files[holding.CaseId];
                var level = caller.Is(Roles.Auditor) ? DisclosureLevel.Summary : DisclosureRules.ForLookup(file.Party, caller.UnitId);
                if (level != DisclosureLevel.None) answer.Disclosures.Add(Disclose(file, holding, level));
            }
            answer.Hit = answer.Disclosures.Count > 0;
            // Only with a hit: a flag on a no-hit would tell that someone holds the value.
            answer.Common = answer.Hit && held.Count >= correlation.CommonThreshold;
            HubTelemetry.IdentifiersLookedUp.Add(1, new KeyValuePair<string, object?>("result", answer.Hit ? "hit" : "no-hit"));
            return answer;
        }).ToList();
    }

    public static Disclosure Disclose(CaseSummary file, IdentifierHolding holding, DisclosureLevel level)
    {
        var disclosure = new Disclosure
        {
            OwnerUnit = file.OwnerUnit,
            OwnerCountry = file.OwnerCountry,
            CaseReference = file.Reference,
            Tlp = (Contracts.V1.Tlp)(int)file.SharingPolicy.Tlp,
            HandlingCode = (Contracts.V1.HandlingCode)(int)file.SharingPolicy.HandlingCode,
            HandlingRestrictions = file.SharingPolicy.HandlingRestrictions ?? "",
        };
        if (level == DisclosureLevel.Summary)
        {
            disclosure.Kind = IdentifierRequests.ToProto(holding.Kind);
            disclosure.FirstSeen = Timestamp.FromDateTimeOffset(holding.AddedAt);
            disclosure.VictimCount = file.VictimCount;
            disclosure.VictimCountries.AddRange(file.VictimsByCountry.Keys.Order());
        }
        return disclosure;
    }

    /// The access-log summary of what an answer disclosed: which cases, at which level. Never victim details.
    public static string? Disclosed(LookupAnswer answer) => answer.Hit
        ? string.Join("; ", answer.Disclosures.Select(d => $"{d.OwnerUnit} case {d.CaseReference} ({(d.Kind != Contracts.V1.IdentifierKind.Unspecified ? "summary" : "contact")}, {d.Tlp}, {d.HandlingCode})"))
        : null;
}
