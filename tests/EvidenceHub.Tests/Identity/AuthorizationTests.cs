using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Identity;

[Collection(AccessHub.Name)]
public sealed class AuthorizationTests(HubFixture hub)
{
    [Fact]
    public async Task A_call_without_a_certificate_is_unauthenticated_and_changes_nothing()
    {
        var anonymous = new CaseService.CaseServiceClient(hub.Channel(certificate: null));
        var open = OpenCase();
        var failure = await Failure(() => anonymous.OpenCaseAsync(open).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, failure.Code);
        var lookup = await Failure(() => hub.Cases("NL-TBKK").GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "checking nothing changed" } }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, lookup.Code);
    }

    [Fact]
    public async Task A_certificate_from_an_untrusted_authority_is_unauthenticated()
    {
        var forged = new CaseService.CaseServiceClient(hub.Channel(ThrowawayPki.UntrustedClientCertificate("NL-TBKK")));
        var failure = await Failure(() => forged.OpenCaseAsync(OpenCase()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, failure.Code);
    }

    [Fact]
    public async Task A_trusted_certificate_of_an_unregistered_unit_is_unauthenticated()
    {
        var unknown = new CaseService.CaseServiceClient(hub.Channel(hub.Pki.ClientCertificate("XX-ROGUE")));
        var failure = await Failure(() => unknown.OpenCaseAsync(OpenCase()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, failure.Code);
    }

    [Theory]
    [InlineData("US-HSI-C3")]   // partner only
    [InlineData("EU-AUDIT")]    // auditor
    public async Task Only_units_change_cases(string caller)
    {
        var cases = hub.Cases(caller);
        var failure = await Failure(() => cases.OpenCaseAsync(OpenCase()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, failure.Code);
    }

    [Fact]
    public async Task Who_sees_a_case()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-9", AgeBand = AgeBand.Under13, Country = "NL" });
        var read = new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "supervision" } };

        Assert.Single((await nl.GetCaseAsync(read)).VictimLinks);
        Assert.Single((await hub.Cases("EU-AUDIT").GetCaseAsync(read)).VictimLinks);
        // Another unit's case answers as a missing one; a partner may not call GetCase at all.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => hub.Cases("BE-FCCU").GetCaseAsync(read).ResponseAsync)).Code);
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => hub.Cases("US-HSI-C3").GetCaseAsync(read).ResponseAsync)).Code);
    }
}
