using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Hub.Sharing;

/// A policy's handling restrictions are free text about the case, copied into every disclosure and into the identifier
/// streams' events (CaseParty): stored sealed under the case subject, so that erasing the case makes every copy
/// unreadable. A request's policy carries them plain (Sealed.Plain) until the command seals them; every reader that
/// discloses them opens them with the case's key.
public static class SharingPolicyText
{
    public const string Field = nameof(SharingPolicy.HandlingRestrictions);

    /// The requested policy with its restrictions sealed under the case's text subject.
    public static SharingPolicy Sealing(SharingPolicy policy, Guid caseSubject, SubjectKeyRing keys) =>
        policy.HandlingRestrictions is { IsPlain: true } plain ? policy with { HandlingRestrictions = keys.Seal(caseSubject, Field, plain.Ciphertext) } : policy;

    public static SharingPolicy Sealing(SharingPolicy policy, CaseFile file, SubjectKeyRing keys) =>
        policy.HandlingRestrictions is { IsPlain: true } plain ? policy with { HandlingRestrictions = CaseText.Seal(file, keys, Field, plain.Ciphertext) } : policy;

    /// The text, "[erased]" once the case's key is gone, "" when there is none.
    public static string Open(Sealed? restrictions, SubjectKeyRing keys) => CaseText.Open(restrictions, keys, Field);

    /// The subjects whose keys open these restrictions (none for a case without restrictions).
    public static Guid[] SubjectsOf(IEnumerable<Sealed?> restrictions) =>
        restrictions.OfType<Sealed>().Where(r => !r.IsPlain).Select(r => r.Subject).Distinct().ToArray();
}
