using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Hub.Identifiers;

namespace EvidenceHub.Hub.HashCheck;

/// One hash of a media record whose owner let hosting parties filter it (provider_filter): a row per record and hash,
/// so that retracting one record leaves another record's flag on the same hash standing. Whether the case still holds
/// the hash unrestricted is for the identifier holdings and the case summary to say, at the moment of the question.
public sealed class FilterableHash
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public Guid CaseId { get; set; }
    /// The case's identifier holding of the hash: retracted or restricted there, the hash is not filterable.
    public string HoldingId { get; set; } = "";
    public int Category { get; set; }

    public static string IdFor(Guid caseId, IReadOnlyList<string> recordKeys, string key) => $"{caseId:N}|{RecordId(recordKeys)}|{key}";

    /// A media record is named by its keys (as the case file names it); the row id takes a digest of them.
    private static string RecordId(IReadOnlyList<string> recordKeys) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', recordKeys))))[..16];

    public static FilterableHash Of(Media.MediaAdded added, string key) => new()
    {
        Id = IdFor(added.CaseId, added.Keys, key),
        Key = key,
        CaseId = added.CaseId,
        HoldingId = IdentifierHolding.IdFor(added.CaseId, key),
        Category = added.Category,
    };
}
