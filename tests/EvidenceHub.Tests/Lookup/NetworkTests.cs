using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lookup;

[Collection(LookupHub.Name)]
public sealed class NetworkTests(HubFixture hub)
{
    private static readonly Justification Why = new() { Purpose = "Mapping the ring" };

    private static async Task<OpenCaseRequest> CaseWith(CaseService.CaseServiceClient unit, Tlp tlp, string victimCountry, params (IdentifierKind Kind, string Value, string Platform)[] identifiers)
    {
        var open = OpenCase(tlp: tlp);
        await unit.OpenCaseAsync(open);
        foreach (var (kind, value, platform) in identifiers)
            await unit.AddSuspectIdentifierAsync(AddIdentifier(open.CaseId, kind, value, platform));
        await unit.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = open.CaseId, VictimReference = "V-" + NewId()[..8], AgeBand = AgeBand._13To15, Country = victimCountry });
        return open;
    }

    [Fact]
    public async Task Identifiers_that_occur_together_join_cases_across_units_and_countries()
    {
        var (handle, phone, iban, email) = (Unique.SnapchatHandle(), Unique.DutchMobile(), Unique.DutchIban(), Unique.Email());
        var nlCase = await CaseWith(hub.Cases("NL-TBKK"), Tlp.Amber, "NL", (IdentifierKind.PlatformAccount, handle, "snapchat"), (IdentifierKind.PhoneNumber, phone, ""));
        var caCase = await CaseWith(hub.Cases("CA-RCMP-NCECC"), Tlp.Green, "CA", (IdentifierKind.PhoneNumber, phone, ""), (IdentifierKind.Iban, iban, ""));
        var beCase = await CaseWith(hub.Cases("BE-FCCU"), Tlp.Green, "DE", (IdentifierKind.Iban, iban, ""), (IdentifierKind.EmailAddress, email, ""));
        var redCase = await CaseWith(hub.Cases("BE-FCCU"), Tlp.Red, "FR", (IdentifierKind.EmailAddress, email, ""), (IdentifierKind.EmailAddress, Unique.Email(), ""));
        await CaseWith(hub.Cases("NL-TBKK"), Tlp.Green, "NL", (IdentifierKind.EmailAddress, Unique.Email(), "")); // unrelated

        var network = await hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.PlatformAccount, Value = handle, Platform = "snapchat" } },
            Justification = Why,
        });

        Assert.Equal(new[] { nlCase.Reference, caCase.Reference, beCase.Reference }.Order(), network.Cases.Select(c => c.CaseReference).Order());
        Assert.Equal(4, network.Identifiers.Count);
        Assert.Equal(2, network.Identifiers.Single(i => i.Kind == IdentifierKind.PhoneNumber).CaseCount);
        Assert.Equal(["BE", "CA", "DE", "NL"], network.Countries);
        Assert.Equal(new[] { ("CA", 1), ("DE", 1), ("NL", 1) }, network.VictimsByCountry.Select(v => (v.Country, v.Victims)));
        Assert.DoesNotContain(network.Cases, c => c.CaseReference == redCase.Reference);

        // An auditor sees the RED case too, and what it links.
        var audited = await hub.Lookups("EU-AUDIT").GetNetworkAsync(new GetNetworkRequest { CaseId = nlCase.CaseId, Justification = Why });
        Assert.Contains(audited.Cases, c => c.CaseReference == redCase.Reference);
        Assert.Equal(5, audited.Identifiers.Count);
    }

    [Fact]
    public async Task A_network_around_a_case_the_caller_may_not_see_is_not_found()
    {
        var red = await CaseWith(hub.Cases("BE-FCCU"), Tlp.Red, "BE", (IdentifierKind.EmailAddress, Unique.Email(), ""));
        var failure = await Failure(() => hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { CaseId = red.CaseId, Justification = Why }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (failure.Code, failure.Field));
    }
}
