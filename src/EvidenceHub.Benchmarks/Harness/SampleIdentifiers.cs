using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Identifiers;

namespace EvidenceHub.Benchmarks.Harness;

/// Suspect identifiers numbered 0, 1, 2, ...: a mix of phone numbers, e-mail addresses, platform accounts and file
/// hashes, each number a different canonical identifier. Scenarios reserve ranges of numbers, so that no two of them
/// share an identifier (which would correlate their cases and change what is measured).
public static class SampleIdentifiers
{
    private static long next;

    /// The first number of a fresh range of count numbers.
    public static long Reserve(long count) => Interlocked.Add(ref next, count) - count;

    public static SuspectIdentifierInput Raw(long n) => (n % 4) switch
    {
        0 => new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.PhoneNumber, Value = $"+31 6 1{n / 4 % 10_000_000:D7}" },
        1 => new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.EmailAddress, Value = $"Offender.{n}@Example.org" },
        2 => new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.PlatformAccount, Platform = "snapchat", Value = $"@snap_{n}" },
        _ => new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.FileHashSha256, Value = Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(n))) },
    };

    /// The canonical form the hub stores for number n, canonicalised by the hub's own rules.
    public static CanonicalIdentifier Canonical(long n, string region = "NL") =>
        IdentifierMapping.Canonicalize(IdentifierMapping.RawOf(Raw(n)), region);

    /// The key the hub matches identifier n on (its pseudonym under the benchmark hub's secret).
    public static string MatchKey(long n, string region = "NL") => RunningHub.Pseudonyms.MatchKeyOf(Canonical(n, region));

    /// The event the hub appends when a case of a unit in region adds identifier n, sealed as the hub seals it. The
    /// bulk load keeps none of the subject keys, so these values read as erased: lookups and replay match on the
    /// pseudonym and open nothing, which is what they measure.
    public static SuspectIdentifierAdded Added(Guid caseId, long n, string region = "NL")
    {
        var raw = IdentifierMapping.RawOf(Raw(n));
        var canonical = IdentifierMapping.Canonicalize(raw, region);
        return SuspectIdentifierAdded.Sealing(caseId, canonical, RunningHub.Pseudonyms.MatchKeyOf(canonical), raw, null, new Hub.Erasure.SubjectKeyRing());
    }
}
