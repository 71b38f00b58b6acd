using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lookup;

/// GetNetwork names an identifier the caller's own case holds by its value (opened under that holding's key, as GetCase
/// names it), every other by its pseudonym; the access record keeps pseudonyms only.
[Collection(FeedHub.Name)]
public sealed class OwnIdentifierNetworkTests(HubFixture hub)
{
    private static readonly Justification Why = new() { Purpose = "mapping the ring" };

    private static SuspectIdentifierInput Email(string value) => new() { Kind = IdentifierKind.EmailAddress, Value = value };

    [Fact]
    public async Task Each_caller_reads_its_own_identifiers_by_value_and_everyone_elses_by_pseudonym()
    {
        var (nlOnly, shared, beOnly) = (Unique.Email(), Unique.Email(), Unique.Email());
        var (nl, be) = (hub.Cases("NL-TBKK"), hub.Cases("BE-FCCU"));
        var nlCase = await nl.OpenedCase(Tlp.Green);
        var beCase = await be.OpenedCase(Tlp.Green);
        foreach (var value in new[] { nlOnly, shared }) await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, value));
        foreach (var value in new[] { shared, beOnly }) await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, value));
        string Key(string value) => "email:" + value;
        string Pseudonym(string value) => HubFixture.Pseudonyms.Of(Key(value));
        var since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-1));

        var fromNl = await hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { CaseId = nlCase, Justification = Why });
        Assert.Equal(new[] { Key(nlOnly), Key(shared), Pseudonym(beOnly) }.Order(StringComparer.Ordinal), fromNl.Identifiers.Select(i => i.Key).Order(StringComparer.Ordinal));
        var beShown = fromNl.Cases.Single(c => c.OwnerUnit == "BE-FCCU");
        Assert.Equal(new[] { Key(shared), Pseudonym(beOnly) }.Order(StringComparer.Ordinal), beShown.IdentifierKeys.Order(StringComparer.Ordinal));
        Assert.Equal(beShown.IdentifierKeys.Order(StringComparer.Ordinal), beShown.Gradings.Keys.Order(StringComparer.Ordinal));

        var fromBe = await hub.Lookups("BE-FCCU").GetNetworkAsync(new GetNetworkRequest { Identifier = new IdentifierQuery { Raw = Email(shared) }, Justification = Why });
        Assert.Equal(new[] { Pseudonym(nlOnly), Key(shared), Key(beOnly) }.Order(StringComparer.Ordinal), fromBe.Identifiers.Select(i => i.Key).Order(StringComparer.Ordinal));

        // A partner holds no case: every identifier by its pseudonym, as before.
        var fromPartner = await hub.Lookups("US-HSI-C3").GetNetworkAsync(new GetNetworkRequest { Identifier = new IdentifierQuery { Raw = Email(shared) }, Justification = Why });
        Assert.Equal(new[] { nlOnly, shared, beOnly }.Select(Pseudonym).Order(StringComparer.Ordinal), fromPartner.Identifiers.Select(i => i.Key).Order(StringComparer.Ordinal));

        // The access record of NL's walk names what it was shown by pseudonym, never by value.
        var record = Assert.Single(await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = "NL-TBKK", From = since }),
            r => r.Operation == "GetNetwork" && r.Asked.Contains(nlCase));
        Assert.Equal(new[] { nlOnly, shared, beOnly }.Select(Pseudonym).Order(StringComparer.Ordinal), record.IdentifierKeys.Order(StringComparer.Ordinal));
    }
}
