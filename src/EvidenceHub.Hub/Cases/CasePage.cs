using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Victims;

namespace EvidenceHub.Hub.Cases;

/// One page of a case's identifiers and victim links (GetCase's page_size / page_token), so that no answer grows with
/// the case. Identifiers are paged by their position in the case's list and victim links by their position in the
/// (append-only) list, so a page never repeats or skips an entry while the case grows. The token is opaque to the
/// client, bound to its case and checked; it names only a position in a case the caller is allowed to read on every
/// page, so a forged one can show no more than paging does.
public sealed record CasePage(Guid CaseId, CasePage.Position After, int VictimsFrom, int Size)
{
    /// Where an identifier stands in its case's list: the case version it was added at, and for a hash of an imported
    /// hash list (whose batch's rows share one version) its file row and its key's ordinal in the row (1 to 4); a
    /// holding is (version, 0, 0), alone at its version.
    public readonly record struct Position(long Version, long Row, int Ordinal) : IComparable<Position>
    {
        public static Position Of(CaseIdentifier identifier) => new(identifier.AddedAtVersion, 0, 0);

        public int CompareTo(Position other) =>
            Version != other.Version ? Version.CompareTo(other.Version) : Row != other.Row ? Row.CompareTo(other.Row) : Ordinal.CompareTo(other.Ordinal);
    }

    public const int MaxKeyOrdinal = 4;

    public static CasePage Of(int pageSize, string pageToken, Guid caseId, AnswerLimits limits)
    {
        if (pageSize < 0) throw Rejection.InvalidArgument("page_size", "must not be negative");
        var size = pageSize == 0 ? limits.CasePageSize : Math.Min(pageSize, limits.MaxCasePageSize);
        if (pageToken.Length == 0) return new CasePage(caseId, default, 0, size);
        var (tokenCase, after, from) = Decode(pageToken);
        if (tokenCase != caseId) throw Rejection.InvalidArgument("page_token", "belongs to another case");
        return new CasePage(caseId, after, from, size);
    }

    /// Fills the answer with this page of the given identifiers (active holdings and imported hashes read from After
    /// on, at most Size + 1 of each, with their positions; and the file's retracted ones) and, when shown, of the
    /// file's victim links.
    public void Fill(Case answer, CaseFile file, IEnumerable<(CaseIdentifier Identifier, Position At)> fromHere, bool withVictims, SubjectKeyRing victimKeys)
    {
        var identifiers = fromHere.Concat(file.RetractedIdentifiers.Select(i => (Identifier: i, At: Position.Of(i))))
            .Where(i => i.At.CompareTo(After) > 0)
            .OrderBy(i => i.At).Take(Size + 1).ToList();
        var moreIdentifiers = identifiers.Count > Size;
        if (moreIdentifiers) identifiers.RemoveAt(Size);
        answer.Identifiers.AddRange(IdentifierMapping.ToProto(identifiers.Select(i => i.Identifier).ToList(), victimKeys));

        var moreVictims = false;
        var victimsTo = VictimsFrom;
        if (withVictims)
        {
            var victims = file.Victims.Skip(VictimsFrom).Take(Size).ToList();
            answer.VictimLinks.AddRange(victims.Select(v => VictimMapping.ToProto(v, victimKeys)));
            victimsTo = VictimsFrom + victims.Count;
            moreVictims = file.Victims.Count > victimsTo;
        }
        if (moreIdentifiers || moreVictims)
            answer.NextPageToken = Encode(CaseId, identifiers.Count > 0 ? identifiers[^1].At : After, victimsTo);
    }

    private static string Encode(Guid caseId, Position after, int victimsFrom) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{caseId:N}.{after.Version}.{after.Row}.{after.Ordinal}.{victimsFrom}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (Guid CaseId, Position After, int VictimsFrom) Decode(string token)
    {
        try
        {
            if (token.Length > 160) throw new FormatException();
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='))).Split('.');
            if (parts.Length == 5 && Guid.TryParseExact(parts[0], "N", out var caseId) && Counter(parts[1], out var version) && Counter(parts[2], out var row) &&
                Counter(parts[3], out var ordinal) && ordinal <= MaxKeyOrdinal && Counter(parts[4], out var from) && from <= int.MaxValue)
                return (caseId, new Position(version, row, (int)ordinal), (int)from);
        }
        catch (FormatException) { }
        throw Rejection.InvalidArgument("page_token", "is not a token this hub gave out: pass next_page_token unchanged");
    }

    /// Digits only, as Encode writes them: no sign, no spaces, no other spelling of the same number.
    private static bool Counter(string text, out long value)
    {
        value = 0;
        return text.Length is > 0 and <= 18 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0') && long.TryParse(text, out value);
    }
}
