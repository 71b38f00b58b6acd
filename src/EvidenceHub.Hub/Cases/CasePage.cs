using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Victims;

namespace EvidenceHub.Hub.Cases;

/// One page of a case's identifiers and victim links (GetCase's page_size / page_token), so that no answer grows with
/// the case. Identifiers are paged by the case version at which they were added and victim links by their position in
/// the (append-only) list, so a page never repeats or skips an entry while the case grows.
public sealed record CasePage(Guid CaseId, long AfterIdentifierVersion, int VictimsFrom, int Size)
{
    public static CasePage Of(int pageSize, string pageToken, Guid caseId, AnswerLimits limits)
    {
        if (pageSize < 0) throw Rejection.InvalidArgument("page_size", "must not be negative");
        var size = pageSize == 0 ? limits.CasePageSize : Math.Min(pageSize, limits.MaxCasePageSize);
        if (pageToken.Length == 0) return new CasePage(caseId, 0, 0, size);
        var (tokenCase, after, from) = Decode(pageToken);
        if (tokenCase != caseId) throw Rejection.InvalidArgument("page_token", "belongs to another case");
        return new CasePage(caseId, after, from, size);
    }

    /// Fills the answer with this page of the given identifiers (active holdings read from AfterIdentifierVersion on, at
    /// most Size + 1 of them, and the file's retracted ones) and, when shown, of the file's victim links.
    public void Fill(Case answer, CaseFile file, IEnumerable<CaseIdentifier> holdingsFromHere, bool withVictims, SubjectKeyRing victimKeys)
    {
        var identifiers = holdingsFromHere.Concat(file.RetractedIdentifiers)
            .Where(i => i.AddedAtVersion > AfterIdentifierVersion)
            .OrderBy(i => i.AddedAtVersion).Take(Size + 1).ToList();
        var moreIdentifiers = identifiers.Count > Size;
        if (moreIdentifiers) identifiers.RemoveAt(Size);
        answer.Identifiers.AddRange(IdentifierMapping.ToProto(identifiers, victimKeys));

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
            answer.NextPageToken = Encode(CaseId, identifiers.Count > 0 ? identifiers[^1].AddedAtVersion : AfterIdentifierVersion, victimsTo);
    }

    private static string Encode(Guid caseId, long afterVersion, int victimsFrom) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{caseId:N}.{afterVersion}.{victimsFrom}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (Guid CaseId, long AfterVersion, int VictimsFrom) Decode(string token)
    {
        try
        {
            if (token.Length > 128) throw new FormatException();
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='))).Split('.');
            if (parts.Length == 3 && Guid.TryParseExact(parts[0], "N", out var caseId) && long.TryParse(parts[1], out var after) && after >= 0 &&
                int.TryParse(parts[2], out var from) && from >= 0)
                return (caseId, after, from);
        }
        catch (FormatException) { }
        throw Rejection.InvalidArgument("page_token", "is not a token this hub gave out: pass next_page_token unchanged");
    }
}
