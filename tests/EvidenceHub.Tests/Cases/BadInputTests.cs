using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Cases;

/// Every bad input gets a precise status naming the field, and changes nothing.
[Collection(CasesHub.Name)]
public sealed class BadInputTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");

    private async Task<long> VersionOf(string caseId) =>
        (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } })).Version;

    public static TheoryData<string, Action<OpenCaseRequest>, StatusCode, string> BadOpenCases => new()
    {
        { "no command id", r => r.CommandId = "", StatusCode.InvalidArgument, "command_id" },
        { "command id too long", r => r.CommandId = new string('x', 129), StatusCode.InvalidArgument, "command_id" },
        { "command id with spaces", r => r.CommandId = "a b", StatusCode.InvalidArgument, "command_id" },
        { "case id not a uuid", r => r.CaseId = "case-1", StatusCode.InvalidArgument, "case_id" },
        { "no reference", r => r.Reference = "  ", StatusCode.InvalidArgument, "reference" },
        { "oversized reference", r => r.Reference = new string('R', 129), StatusCode.InvalidArgument, "reference" },
        { "control characters", r => r.Reference = "REF\u0000", StatusCode.InvalidArgument, "reference" },
        { "no offence type", r => r.OffenceType = OffenceType.Unspecified, StatusCode.InvalidArgument, "offence_type" },
        { "unknown offence type", r => r.OffenceType = (OffenceType)99, StatusCode.InvalidArgument, "offence_type" },
        { "no sharing policy", r => r.SharingPolicy = null, StatusCode.InvalidArgument, "sharing_policy" },
        { "no tlp", r => r.SharingPolicy.Tlp = Tlp.Unspecified, StatusCode.InvalidArgument, "sharing_policy.tlp" },
        { "no handling code", r => r.SharingPolicy.HandlingCode = HandlingCode.Unspecified, StatusCode.InvalidArgument, "sharing_policy.handling_code" },
        { "H3 without restrictions", r => r.SharingPolicy.HandlingCode = HandlingCode.H3, StatusCode.InvalidArgument, "sharing_policy.handling_restrictions" },
        { "unknown partner", r => r.SharingPolicy.PartnerUnits.Add("XX-NOBODY"), StatusCode.InvalidArgument, "sharing_policy.partner_units" },
    };

    [Theory]
    [MemberData(nameof(BadOpenCases))]
    public async Task A_bad_open_case_is_refused_and_opens_nothing(string scenario, Action<OpenCaseRequest> spoil, StatusCode expected, string field)
    {
        var request = OpenCase();
        spoil(request);
        var failure = await Failure(() => nl.OpenCaseAsync(request).ResponseAsync);
        Assert.True((expected, field) == (failure.Code, failure.Field), $"{scenario}: got {failure.Code} on {failure.Field}");

        if (Guid.TryParse(request.CaseId, out _))
        {
            var lookup = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = request.CaseId, Justification = new() { Purpose = "test" } }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, lookup.Code);
        }
    }

    public static TheoryData<string, IdentifierKind, string, string, StatusCode, string> BadIdentifiers => new()
    {
        { "no kind", IdentifierKind.Unspecified, "+31612345678", "", StatusCode.InvalidArgument, "identifier.kind" },
        { "unknown kind", (IdentifierKind)42, "+31612345678", "", StatusCode.InvalidArgument, "identifier.kind" },
        { "invalid phone", IdentifierKind.PhoneNumber, "12", "", StatusCode.InvalidArgument, "identifier.value" },
        { "letters as phone", IdentifierKind.PhoneNumber, "call me maybe", "", StatusCode.InvalidArgument, "identifier.value" },
        { "bad IBAN checksum", IdentifierKind.Iban, "NL91ABNA0417164301", "", StatusCode.InvalidArgument, "identifier.value" },
        { "e-mail without domain", IdentifierKind.EmailAddress, "offender@", "", StatusCode.InvalidArgument, "identifier.value" },
        { "account without platform", IdentifierKind.PlatformAccount, "snap_user", "", StatusCode.InvalidArgument, "identifier.platform" },
        { "IP without time", IdentifierKind.IpAddress, "192.0.2.1", "", StatusCode.InvalidArgument, "identifier.observed_at" },
        { "short SHA-256", IdentifierKind.FileHashSha256, "abc123", "", StatusCode.InvalidArgument, "identifier.value" },
        { "oversized value", IdentifierKind.EmailAddress, new string('a', 300) + "@example.com", "", StatusCode.InvalidArgument, "identifier.value" },
        { "unknown wallet", IdentifierKind.CryptoWallet, "not-a-wallet", "", StatusCode.InvalidArgument, "identifier.value" },
    };

    [Theory]
    [MemberData(nameof(BadIdentifiers))]
    public async Task A_bad_identifier_is_refused_and_changes_nothing(string scenario, IdentifierKind kind, string value, string platform, StatusCode expected, string field)
    {
        var caseId = await nl.OpenedCase();
        var failure = await Failure(() => nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, kind, value, platform)).ResponseAsync);
        Assert.True((expected, field) == (failure.Code, failure.Field), $"{scenario}: got {failure.Code} on {failure.Field}");
        Assert.Equal(1, await VersionOf(caseId));
    }

    [Fact]
    public async Task A_missing_identifier_is_named()
    {
        var caseId = await nl.OpenedCase();
        var failure = await Failure(() => nl.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "identifier"), (failure.Code, failure.Field));
    }

    [Fact]
    public async Task An_unknown_case_is_not_found()
    {
        var unknown = NewId();
        var failure = await Failure(() => nl.AddSuspectIdentifierAsync(AddIdentifier(unknown, IdentifierKind.EmailAddress, "a@example.com")).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (failure.Code, failure.Field));
        var close = await Failure(() => nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = unknown, Reason = "r" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, close.Code);
        var get = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = unknown, Justification = new() { Purpose = "test" } }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (get.Code, get.Field));
    }

    [Fact]
    public async Task A_reference_is_unique_per_unit()
    {
        var first = OpenCase();
        await nl.OpenCaseAsync(first);
        var second = OpenCase();
        second.Reference = first.Reference;

        var failure = await Failure(() => nl.OpenCaseAsync(second).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, "reference"), (failure.Code, failure.Field));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = second.CaseId, Justification = new() { Purpose = "checking it was not opened" } }).ResponseAsync)).Code);

        // Another unit may use the same reference in its own system.
        await hub.Cases("BE-FCCU").OpenCaseAsync(second);
    }

    [Fact]
    public async Task A_case_id_taken_by_another_case_is_already_exists()
    {
        var first = OpenCase();
        await nl.OpenCaseAsync(first);
        var failure = await Failure(() => nl.OpenCaseAsync(OpenCase(caseId: first.CaseId)).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, "case_id"), (failure.Code, failure.Field));
    }

    [Fact]
    public async Task Victim_links_are_checked_field_by_field()
    {
        var caseId = await nl.OpenedCase();
        LinkVictimRequest Link(Action<LinkVictimRequest> spoil)
        {
            var request = new LinkVictimRequest
            {
                CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._16To17, Country = "NL",
                FirstContactDate = new Google.Type.Date { Year = 2026, Month = 1, Day = 31 },
            };
            spoil(request);
            return request;
        }

        foreach (var (spoil, field) in new (Action<LinkVictimRequest>, string)[]
                 {
                     (r => r.VictimReference = "", "victim_reference"),
                     (r => r.VictimReference = new string('v', 65), "victim_reference"),
                     (r => r.AgeBand = AgeBand.Unspecified, "age_band"),
                     (r => r.Country = "XX", "country"),
                     (r => r.Country = "NLD", "country"),
                     (r => r.FirstContactDate = new Google.Type.Date { Year = 2026, Month = 2, Day = 30 }, "first_contact_date"),
                     (r => r.FirstContactDate = new Google.Type.Date { Year = 2999, Month = 1, Day = 1 }, "first_contact_date"),
                     (r => r.ContactedBy = "phone:+31600000000", "contacted_by"),
                 })
        {
            var failure = await Failure(() => nl.LinkVictimAsync(Link(spoil)).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, field), (failure.Code, failure.Field));
        }
        Assert.Equal(1, await VersionOf(caseId));
    }

    [Fact]
    public async Task Handoffs_are_checked()
    {
        var caseId = await nl.OpenedCase();
        var unknownUnit = await Failure(() => nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "XX-NOBODY", Reason = "r" }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "target_unit"), (unknownUnit.Code, unknownUnit.Field));
        var toSelf = await Failure(() => nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "NL-TBKK", Reason = "r" }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "target_unit"), (toSelf.Code, toSelf.Field));
        var toPartner = await Failure(() => nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "US-HSI-C3", Reason = "r" }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "target_unit"), (toPartner.Code, toPartner.Field));
        var noReason = await Failure(() => nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU" }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "reason"), (noReason.Code, noReason.Field));

        var handoff = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "r" });
        var unknownHandoff = await Failure(() => hub.Cases("BE-FCCU").AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = NewId() }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "handoff_id"), (unknownHandoff.Code, unknownHandoff.Field));
        // A unit that is not the target does not see the case: it answers as a missing one.
        var notTarget = await Failure(() => hub.Cases("CA-RCMP-NCECC").AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoff.HandoffId }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (notTarget.Code, notTarget.Field));
        var ownerAccepts = await Failure(() => nl.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoff.HandoffId }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, ownerAccepts.Code);

        await hub.Cases("BE-FCCU").DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoff.HandoffId, Reason = "no" });
        // Once declined, the case is hidden from BE again: a second answer finds no case.
        var answeredTwice = await Failure(() => hub.Cases("BE-FCCU").AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoff.HandoffId }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (answeredTwice.Code, answeredTwice.Field));
        Assert.Equal(3, await VersionOf(caseId));
    }

    [Fact]
    public async Task Only_the_owner_changes_a_case_and_a_closed_case_takes_no_more_changes()
    {
        var caseId = await nl.OpenedCase();
        // A unit that may not see the case finds none; one that sees it (a handoff's target) may still not change it.
        var stranger = await Failure(() => hub.Cases("BE-FCCU").AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "a@example.com")).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (stranger.Code, stranger.Field));
        await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "r" });
        var target = await Failure(() => hub.Cases("BE-FCCU").AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "a@example.com")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, target.Code);
        Assert.Equal("NOT_CASE_OWNER", target.Status.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        Assert.DoesNotContain("NL-TBKK", target.Status.ToString());

        await nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "done" });
        var afterClose = await Failure(() => nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "a@example.com")).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, afterClose.Code);
        Assert.Equal("CASE_CLOSED", afterClose.Status.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        var closeAgain = await Failure(() => nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "again" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, closeAgain.Code);
        Assert.Equal(3, await VersionOf(caseId)); // opened, handoff requested, closed
    }

    [Fact]
    public async Task Reading_a_case_needs_a_justification()
    {
        var caseId = await nl.OpenedCase();
        var failure = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), (failure.Code, failure.Field));
    }
}
