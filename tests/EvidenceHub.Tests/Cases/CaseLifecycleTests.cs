using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Cases;

[Collection(CasesHub.Name)]
public sealed class CaseLifecycleTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");

    [Fact]
    public async Task An_opened_case_is_returned_from_its_events()
    {
        var open = OpenCase(tlp: Tlp.Green);
        open.SharingPolicy.PartnerUnits.Add("US-HSI-C3");
        var opened = await nl.OpenCaseAsync(open);

        Assert.Equal(open.CaseId, opened.CaseId);
        Assert.Equal(1, opened.Version);
        Assert.False(opened.Replayed);

        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = opened.CaseId, Justification = new() { Purpose = "test" } });
        Assert.Equal("NL-TBKK", file.OwnerUnit);
        Assert.Equal(open.Reference, file.Reference);
        Assert.Equal(OffenceType.FinancialSextortion, file.OffenceType);
        Assert.Equal(CaseStatus.Open, file.Status);
        Assert.Equal(Tlp.Green, file.SharingPolicy.Tlp);
        Assert.Equal(HandlingCode.H0, file.SharingPolicy.HandlingCode);
        Assert.Equal(["US-HSI-C3"], file.SharingPolicy.PartnerUnits);
        Assert.Equal(1, file.Version);
        Assert.True(file.OpenedAt.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task The_hub_assigns_a_case_id_when_the_unit_sends_none()
    {
        var open = OpenCase();
        open.CaseId = "";
        var opened = await nl.OpenCaseAsync(open);
        Assert.True(Guid.TryParse(opened.CaseId, out _));
    }

    [Fact]
    public async Task Identifiers_victims_handoff_and_close_build_the_case()
    {
        var caseId = await nl.OpenedCase();
        var phone = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, "06-12345678"));
        Assert.Equal("+31612345678", phone.Identifier.CanonicalValue);
        Assert.Equal("06-12345678", phone.Identifier.RawValue);
        Assert.Equal("phone:+31612345678", phone.Identifier.Key);
        Assert.Equal(2, phone.Version);

        var account = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PlatformAccount, "@Snap_User", "Snapchat"));
        Assert.Equal("snap_user", account.Identifier.CanonicalValue);

        var victim = await nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-0001", AgeBand = AgeBand._13To15, Country = "nl",
            FirstContactDate = new Google.Type.Date { Year = 2026, Month = 3, Day = 14 }, ContactedBy = account.Identifier.Key,
        });
        Assert.True(Guid.TryParse(victim.VictimLinkId, out _));

        var handoff = await nl.RequestHandoffAsync(new RequestHandoffRequest
        {
            CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "Suspect lives in Belgium",
        });
        var be = hub.Cases("BE-FCCU");
        var seenByTarget = await be.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "deciding on handoff" } });
        Assert.Empty(seenByTarget.VictimLinks);
        Assert.Equal(1, seenByTarget.VictimCount);

        await be.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoff.HandoffId });
        var closed = await be.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "Suspect convicted" });
        Assert.Equal(7, closed.Version);

        var file = await be.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal("BE-FCCU", file.OwnerUnit);
        Assert.Equal("NL-TBKK", file.OpenedByUnit);
        Assert.Equal(CaseStatus.Closed, file.Status);
        Assert.Equal("Suspect convicted", file.CloseReason);
        Assert.Equal(["phone:+31612345678", "account:snapchat:snap_user"], file.Identifiers.Select(i => i.Key));
        Assert.All(file.Identifiers, i => Assert.Equal("NL-TBKK", i.AddedByUnit));
        var link = Assert.Single(file.VictimLinks);
        Assert.Equal(("V-0001", AgeBand._13To15, "NL", 2026, 3, 14), (link.VictimReference, link.AgeBand, link.Country,
            link.FirstContactDate.Year, link.FirstContactDate.Month, link.FirstContactDate.Day));
        var answered = Assert.Single(file.Handoffs);
        Assert.Equal(HandoffStatus.Accepted, answered.Status);
        Assert.NotNull(answered.AnsweredAt);
        Assert.Equal(7, file.Version);

        // The former lead no longer sees the case: to it, the case is not there.
        var (code, _, _) = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, code);
    }

    [Fact]
    public async Task The_same_canonical_identifier_added_twice_is_one_identifier()
    {
        var caseId = await nl.OpenedCase();
        var first = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, "+31 6 1234 5678"));
        var second = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, "0031612345678"));

        Assert.Equal(first.Version, second.Version);
        // The answer names it as this request did (the stored values stay sealed, and the answer opens none of them);
        // the case keeps the first raw form.
        Assert.Equal(("0031612345678", first.Identifier.Key, first.Identifier.Pseudonym), (second.Identifier.RawValue, second.Identifier.Key, second.Identifier.Pseudonym));
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal("+31 6 1234 5678", Assert.Single(file.Identifiers).RawValue);
        Assert.Equal(2, file.Version);
    }

    [Fact]
    public async Task A_retracted_identifier_stays_on_the_case_marked_and_can_be_added_again()
    {
        var caseId = await nl.OpenedCase();
        var phone = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, "06-12345678"));
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, Unique.Email()));
        var retracted = await nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = caseId, IdentifierKey = phone.Identifier.Key, Reason = "Wrong number",
        });
        // Retracted, the identifier is no longer the case's: a victim cannot be tied to it.
        var (code, field, _) = await Failure(() => nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "NL",
            ContactedBy = phone.Identifier.Key,
        }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "contacted_by"), (code, field));
        var again = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, "+31 6 1234 5678"));
        Assert.Equal(retracted.Version + 1, again.Version);

        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal([(phone.Identifier.Key, "06-12345678", "Wrong number"), (phone.Identifier.Key, "+31 6 1234 5678", "")],
            file.Identifiers.Where(i => i.Key == phone.Identifier.Key).Select(i => (i.Key, i.RawValue, i.RetractionReason)));
        Assert.Equal(3, file.Identifiers.Count);

        // As it stood before the retraction, from the events alone: both identifiers active.
        var before = await hub.Audit("NL-TBKK").GetCaseAsOfAsync(new GetCaseAsOfRequest
        {
            CaseId = caseId, Justification = new() { Purpose = "own case review" }, Version = retracted.Version - 1,
        });
        Assert.Equal(2, before.Identifiers.Count);
        Assert.All(before.Identifiers, i => Assert.Null(i.RetractedAt));
        var now = await hub.Audit("NL-TBKK").GetCaseAsOfAsync(new GetCaseAsOfRequest
        {
            CaseId = caseId, Justification = new() { Purpose = "own case review" }, Version = again.Version,
        });
        Assert.Equal(file.Identifiers.Select(i => (i.Key, i.RawValue, i.RetractionReason)), now.Identifiers.Select(i => (i.Key, i.RawValue, i.RetractionReason)));
    }

    [Fact]
    public async Task A_declined_handoff_leaves_the_lead_and_frees_the_case_for_another_request()
    {
        var caseId = await nl.OpenedCase();
        var first = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "r" });
        var (code, _, status) = await Failure(() => nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = "r" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, code);
        Assert.Equal("HANDOFF_ALREADY_OPEN", status.GetDetail<Google.Rpc.ErrorInfo>().Reason);

        await hub.Cases("BE-FCCU").DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = first.HandoffId, Reason = "No capacity" });
        await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = "r" });

        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal("NL-TBKK", file.OwnerUnit);
        Assert.Equal([HandoffStatus.Declined, HandoffStatus.Requested], file.Handoffs.Select(h => h.Status));
        Assert.Equal("No capacity", file.Handoffs[0].DeclineReason);
    }
}
