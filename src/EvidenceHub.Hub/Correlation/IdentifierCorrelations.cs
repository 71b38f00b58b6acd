using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Hub.Correlation;

/// The correlation state of one canonical identifier: the snapshot of its stream, read under the identifier's lock.
public sealed class IdentifierCorrelations
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public string Key { get; set; } = "";
    public List<Pair> Correlations { get; set; } = [];
    public List<string> NotToCorrelateBy { get; set; } = [];
    public bool Common { get; set; }

    public sealed record Pair(Guid AddingCase, string AddingUnit, Guid HoldingCase, string HoldingUnit);

    /// The stream of an identifier is named by its key, so that every hub instance finds the same one.
    public static Guid StreamIdFor(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("evidencehub/identifier/" + key));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: a name-based id of our own
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    // Any of the identifier's events may open its stream, so each one names the key.
    public void Apply(CorrelationFound e)
    {
        Key = e.Key;
        Correlations.Add(new Pair(e.Adding.CaseId, e.Adding.Unit, e.Holding.CaseId, e.Holding.Unit));
    }

    public void Apply(IdentifierMarkedNotToCorrelate e)
    {
        Key = e.Key;
        if (!NotToCorrelateBy.Contains(e.Unit)) NotToCorrelateBy.Add(e.Unit);
    }

    public void Apply(IdentifierFlaggedCommon e)
    {
        Key = e.Key;
        Common = true;
    }

    public void Apply(CorrelationRetracted e)
    {
        Key = e.Key;
        Correlations.RemoveAll(p => p.AddingCase == e.Retracting.CaseId || p.HoldingCase == e.Retracting.CaseId);
    }
}
