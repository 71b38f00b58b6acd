using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Robustness;

/// A command without expected_version asked for no concurrency check: racing writers on one case all succeed.
[Collection(CasesHub.Name)]
public sealed class ConcurrencyRetryTests(HubFixture hub)
{
    [Fact]
    public async Task Racing_adds_without_expected_version_all_land()
    {
        const int clients = 16, addsEach = 10;
        var caseId = await hub.Cases("NL-TBKK").OpenedCase();
        var racing = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var client = hub.Cases("NL-TBKK");
            for (var i = 0; i < addsEach; i++)
                await client.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, $"racer-{c}-{i}@example.com"));
        }));
        await Task.WhenAll(racing);

        var stored = await hub.Cases("NL-TBKK").GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal(clients * addsEach, stored.Identifiers.Count);
    }
}
