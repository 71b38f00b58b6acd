using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Quality;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Victims;

/// A victim link as answers show it: its sealed fields opened with the case's keys, or the erased placeholder.
public static class VictimMapping
{
    public static VictimLink ToProto(CaseVictim victim, SubjectKeyRing keys)
    {
        var link = new VictimLink
        {
            VictimLinkId = victim.VictimLinkId.ToString(),
            VictimReference = Open(victim.VictimReference, nameof(VictimLinked.VictimReference), victim, keys),
            AgeBand = (Contracts.V1.AgeBand)(int)victim.AgeBand,
            Country = victim.Country,
            FirstContactDate = victim.FirstContactDate is { } date ? new Google.Type.Date { Year = date.Year, Month = date.Month, Day = date.Day } : null,
            ContactedBy = victim.ContactedBy is { } contactedBy ? Open(contactedBy, nameof(VictimLinked.ContactedBy), victim, keys) : "",
            LinkedAt = Timestamp.FromDateTimeOffset(victim.LinkedAt),
            Restricted = victim.Restricted,
            Grading = GradingMapping.ToProto(victim.Grading),
            CorrectedAt = victim.CorrectedAt is { } corrected ? Timestamp.FromDateTimeOffset(corrected) : null,
            CorrectionReason = CaseText.Open(victim.CorrectionReason, keys, nameof(VictimLinkCorrected.Reason)),
        };
        if (victim.ErasedAt is { } erased) link.ErasedAt = Timestamp.FromDateTimeOffset(erased);
        return link;
    }

    /// An erased link shows the placeholder even if its key were still at hand.
    private static string Open(Sealed value, string field, CaseVictim victim, SubjectKeyRing keys) =>
        victim.IsErased ? Sealed.ErasedPlaceholder : value.Open(keys, field);
}
