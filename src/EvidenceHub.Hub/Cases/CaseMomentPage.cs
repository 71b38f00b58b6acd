using System.Text;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Media;
using Marten;

namespace EvidenceHub.Hub.Cases;

/// One page of a case's identifiers as of a past moment (GetCaseAsOf's page_size / page_token): those its events added
/// and its imported hash-list hashes, in the order they were added (case version; a batch's hashes by file row and key),
/// so that a case holding millions of imported hashes answers a page at a time, as GetCase does. The moment is pinned in
/// the token: a page never mixes two moments.
public sealed record CaseMomentPage(Guid CaseId, long AsOfVersion, (long Version, long Row, long Key) After, int Size)
{
    public static CaseMomentPage Of(int pageSize, string pageToken, Guid caseId, long asOfVersion, AnswerLimits limits)
    {
        if (pageSize < 0) throw Rejection.InvalidArgument("page_size", "must not be negative");
        var size = pageSize == 0 ? limits.CasePageSize : Math.Min(pageSize, limits.MaxCasePageSize);
        if (pageToken.Length == 0) return new CaseMomentPage(caseId, asOfVersion, (0, 0, 0), size);
        var (tokenCase, tokenVersion, after) = Decode(pageToken);
        if (tokenCase != caseId) throw Rejection.InvalidArgument("page_token", "belongs to another case");
        if (tokenVersion != asOfVersion) throw Rejection.InvalidArgument("page_token", "belongs to another moment of the case: ask with the same as_of");
        return new CaseMomentPage(caseId, asOfVersion, after, size);
    }

    private sealed record Imported(long Version, long Row, long N, IdentifierHolding Holding);

    /// This page of the identifiers the case's events added as of the moment (fromEvents, all of them) and of its
    /// imported hashes then, with the token of the next page (empty: none follows). At most Size + 1 imported hashes are
    /// read, along the index, however many the case holds.
    public async Task<(IReadOnlyList<CaseIdentifier> Identifiers, string NextPageToken)> Read(IQuerySession query, IReadOnlyList<CaseIdentifier> fromEvents,
        CancellationToken cancellation)
    {
        var (version, row, key) = After;
        var stored = await query.QueryAsync<Imported>(ImportedMedia.HoldingsAsOf(Size + 2), cancellation, CaseId, AsOfVersion, version, row, version, row, key);
        var retracted = await query.QueryAsync<Imported>(ImportedMedia.RetractedHoldingsAsOf(Size + 1), cancellation, CaseId, AsOfVersion, AsOfVersion, version, row, key);
        var order = Comparer<(long, long, long)>.Default;
        var page = fromEvents.Select(i => (Position: (i.AddedAtVersion, 0L, 0L), Identifier: i))
            .Concat(stored.Concat(retracted).Select(x => (Position: (x.Version, x.Row, x.N), Identifier: x.Holding.ToCaseIdentifier())))
            .Where(e => order.Compare(e.Position, After) > 0)
            .OrderBy(e => e.Position, order)
            .Take(Size + 1).ToList();
        var more = page.Count > Size;
        if (more) page.RemoveAt(Size);
        return (page.Select(e => e.Identifier).ToList(), more ? Encode(CaseId, AsOfVersion, page[^1].Position) : "");
    }

    private static string Encode(Guid caseId, long asOfVersion, (long Version, long Row, long Key) after) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{caseId:N}.{asOfVersion}.{after.Version}.{after.Row}.{after.Key}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (Guid CaseId, long AsOfVersion, (long, long, long) After) Decode(string token)
    {
        try
        {
            if (token.Length > 160) throw new FormatException();
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='))).Split('.');
            if (parts.Length == 5 && Guid.TryParseExact(parts[0], "N", out var caseId) && long.TryParse(parts[1], out var asOf) &&
                long.TryParse(parts[2], out var version) && long.TryParse(parts[3], out var row) && long.TryParse(parts[4], out var key) && version >= 0 && key >= 0)
                return (caseId, asOf, (version, row, key));
        }
        catch (FormatException) { }
        throw Rejection.InvalidArgument("page_token", "is not a token this hub gave out: pass next_page_token unchanged");
    }
}
