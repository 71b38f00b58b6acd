using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Victims;

public static class VictimRequests
{
    public const int MaxVictimReferenceLength = 64;

    public static CaseCommand Link(Caller caller, LinkVictimRequest request, Guid caseId, TimeProvider clock, CaseLimits limits)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var victim = new VictimToLink(
            Fields.RequiredText(request.VictimReference, "victim_reference", MaxVictimReferenceLength),
            Fields.Enum<AgeBand>((int)request.AgeBand, "age_band"),
            Fields.Country(request.Country, "country"),
            FirstContactDate(request.FirstContactDate, clock),
            Fields.Text(request.ContactedBy, "contacted_by", 512, required: false));
        var newLinkId = Guid.CreateVersion7();
        return new CaseCommand(commandId, caseId, request.HasExpectedVersion ? request.ExpectedVersion : null, request,
            Decide: (current, index) => VictimDecisions.Link(CaseRequests.Existing(current, caseId), caller, victim, newLinkId, index, limits),
            Describe: (current, _, events) => new CommandResult
            {
                VictimLinkId = (events.Count > 0
                    ? ((VictimLinked)events[0]).VictimLinkId
                    : current!.Victims.First(v => v.VictimReference == victim.VictimReference).VictimLinkId).ToString(),
            })
        {
            // The identifier the victim was contacted by must be the case's: read (and locked) in the index.
            IndexKeys = _ => victim.ContactedBy is { } key ? [key] : [],
        };
    }

    public static VictimLink ToProto(CaseVictim victim) => new()
    {
        VictimLinkId = victim.VictimLinkId.ToString(),
        VictimReference = victim.VictimReference,
        AgeBand = (Contracts.V1.AgeBand)(int)victim.AgeBand,
        Country = victim.Country,
        FirstContactDate = victim.FirstContactDate is { } date ? new Google.Type.Date { Year = date.Year, Month = date.Month, Day = date.Day } : null,
        ContactedBy = victim.ContactedBy ?? "",
        LinkedAt = Timestamp.FromDateTimeOffset(victim.LinkedAt),
    };

    private static DateOnly? FirstContactDate(Google.Type.Date? date, TimeProvider clock)
    {
        if (Fields.Date(date, "first_contact_date") is not { } first) return null;
        if (first.Year < 1990) throw Rejection.InvalidArgument("first_contact_date", $"{first:yyyy-MM-dd} is before 1990");
        // A day of slack for time zones: the unit's today may be our tomorrow.
        if (first > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(1))
            throw Rejection.InvalidArgument("first_contact_date", "lies in the future");
        return first;
    }
}
