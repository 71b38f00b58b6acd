using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Quality;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Victims;

/// A victim link as answers show it.
public static class VictimMapping
{
    public static VictimLink ToProto(CaseVictim victim) => new()
    {
        VictimLinkId = victim.VictimLinkId.ToString(),
        VictimReference = victim.VictimReference,
        AgeBand = (Contracts.V1.AgeBand)(int)victim.AgeBand,
        Country = victim.Country,
        FirstContactDate = victim.FirstContactDate is { } date ? new Google.Type.Date { Year = date.Year, Month = date.Month, Day = date.Day } : null,
        ContactedBy = victim.ContactedBy ?? "",
        LinkedAt = Timestamp.FromDateTimeOffset(victim.LinkedAt),
        Restricted = victim.Restricted,
        Grading = GradingMapping.ToProto(victim.Grading),
        CorrectedAt = victim.CorrectedAt is { } corrected ? Timestamp.FromDateTimeOffset(corrected) : null,
        CorrectionReason = victim.CorrectionReason ?? "",
    };
}
