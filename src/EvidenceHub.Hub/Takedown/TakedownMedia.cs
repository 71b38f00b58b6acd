using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Media;

namespace EvidenceHub.Hub.Takedown;

/// The one place takedown reads a case's media records: a record not retracted, named by one of its file hashes
/// (hex, or prefixed "sha256:…"), as RetractMedia names one.
public static class TakedownMedia
{
    public static CaseMedia? Find(CaseFile file, string fileHash)
    {
        var hash = fileHash.Trim().ToLowerInvariant();
        return file.Media.FirstOrDefault(m => m.Keys.Any(k => !k.StartsWith("pdq:", StringComparison.Ordinal)
            && (k == hash || k.EndsWith(":" + hash, StringComparison.Ordinal))));
    }
}
