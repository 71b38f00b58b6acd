using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lookup;

[Collection(LookupHub.Name)]
public sealed class LookupTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly LookupService.LookupServiceClient partner = hub.Lookups("US-HSI-C3");

    private static readonly Justification Why = new() { Purpose = "Victim reported contact by this account", CaseReference = "US-2026-0042" };

    private static IdentifierQuery Raw(IdentifierKind kind, string value, string platform = "") =>
        new() { Raw = new SuspectIdentifierInput { Kind = kind, Value = value, Platform = platform } };

    private static IdentifierQuery Blind(byte[] key, string keyId, string identifierKey) => new()
    {
        // Made as a partner would, from the RFC 2104 HMAC of the canonical key: not with the hub's code.
        BlindToken = $"{keyId}.{Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(identifierKey))).TrimEnd('=').Replace('+', '-').Replace('/', '_')}",
    };

    private async Task<string> CaseHolding(CaseService.CaseServiceClient unit, Tlp tlp, string handle, params string[] partners)
    {
        var open = OpenCase(tlp: tlp);
        open.SharingPolicy.PartnerUnits.AddRange(partners);
        await unit.OpenCaseAsync(open);
        await unit.AddSuspectIdentifierAsync(AddIdentifier(open.CaseId, IdentifierKind.PlatformAccount, handle, "snapchat"));
        return open.CaseId;
    }

    [Fact]
    public async Task A_green_hit_tells_whom_to_contact_and_the_victim_picture_never_the_victims()
    {
        var handle = Unique.SnapchatHandle();
        var caseId = await CaseHolding(nl, Tlp.Green, handle);
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "NL" });
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-2", AgeBand = AgeBand._16To17, Country = "BE" });

        var answer = await partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, "@" + handle.ToUpperInvariant(), "Snapchat"), Justification = Why });

        Assert.True(answer.Hit);
        var disclosure = Assert.Single(answer.Disclosures);
        Assert.Equal(("NL-TBKK", "NL", Tlp.Green, HandlingCode.H0), (disclosure.OwnerUnit, disclosure.OwnerCountry, disclosure.Tlp, disclosure.HandlingCode));
        Assert.Equal(IdentifierKind.PlatformAccount, disclosure.Kind);
        Assert.Equal(2, disclosure.VictimCount);
        Assert.Equal(["BE", "NL"], disclosure.VictimCountries);
        Assert.DoesNotContain("V-1", answer.ToString());
    }

    [Fact]
    public async Task An_amber_hit_goes_only_to_listed_partners_and_only_as_a_contact()
    {
        var handle = Unique.SnapchatHandle();
        await CaseHolding(nl, Tlp.Amber, handle, "US-HSI-C3");
        var query = new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, handle, "snapchat"), Justification = Why };

        var listed = await partner.LookupAsync(query);
        var disclosure = Assert.Single(listed.Disclosures);
        Assert.Equal(("NL-TBKK", Tlp.Amber), (disclosure.OwnerUnit, disclosure.Tlp));
        Assert.Equal((IdentifierKind.Unspecified, 0, 0), (disclosure.Kind, disclosure.VictimCount, disclosure.VictimCountries.Count));

        var unlisted = await hub.Lookups("CA-RCMP-NCECC").LookupAsync(query);
        Assert.False(unlisted.Hit);
    }

    [Fact]
    public async Task A_red_hit_is_answered_exactly_like_a_no_hit()
    {
        var handle = Unique.SnapchatHandle();
        await CaseHolding(be, Tlp.Red, handle, "US-HSI-C3");

        var red = await partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, handle, "snapchat"), Justification = Why });
        var nothing = await partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, Unique.SnapchatHandle(), "snapchat"), Justification = Why });

        Assert.False(red.Hit);
        Assert.Equal(nothing.ToByteArray(), red.ToByteArray());
        // The owner itself still finds its own case.
        Assert.True((await hub.Lookups("BE-FCCU").LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, handle, "snapchat"), Justification = Why })).Hit);
    }

    [Fact]
    public async Task Blind_token_lookups_equal_raw_lookups_under_every_active_key()
    {
        var handle = Unique.SnapchatHandle();
        await CaseHolding(nl, Tlp.Green, handle);
        var raw = await partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, handle, "snapchat"), Justification = Why });
        Assert.True(raw.Hit);

        var keys = await partner.GetBlindingKeysAsync(new GetBlindingKeysRequest());
        Assert.Equal(["k1", "k2"], keys.Keys.Select(k => k.KeyId).Order());
        Assert.Equal("k2", Assert.Single(keys.Keys, k => k.Current).KeyId);
        foreach (var key in keys.Keys)
        {
            // Tokens are made by the async daemon.
            await hub.ProjectionsCaughtUp();
            var query = new LookupRequest { Identifier = Blind(key.Key.ToByteArray(), key.KeyId, "account:snapchat:" + handle), Justification = Why };
            var blind = await partner.LookupAsync(query);
            Assert.Equal(raw.ToByteArray(), blind.ToByteArray());
        }
        var unknown = await partner.LookupAsync(new LookupRequest { Identifier = Blind(HubFixture.BlindingKeyK2, "k2", "account:snapchat:" + Unique.SnapchatHandle()), Justification = Why });
        Assert.False(unknown.Hit);
    }

    [Theory]
    [InlineData("no-dot", "identifier.blind_token")]
    [InlineData("k9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "identifier.blind_token")]
    [InlineData("k1.short", "identifier.blind_token")]
    public async Task A_malformed_token_is_refused_naming_the_field(string token, string field)
    {
        var failure = await Failure(() => partner.LookupAsync(new LookupRequest { Identifier = new IdentifierQuery { BlindToken = token }, Justification = Why }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, field), (failure.Code, failure.Field));
    }

    [Fact]
    public async Task A_lookup_needs_a_justification_and_an_identifier_in_good_form()
    {
        var noWhy = await Failure(() => partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.EmailAddress, Unique.Email()) }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), (noWhy.Code, noWhy.Field));
        var badPhone = await Failure(() => partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PhoneNumber, "12"), Justification = Why }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "identifier.raw.value"), (badPhone.Code, badPhone.Field));
        var nothing = await Failure(() => partner.LookupAsync(new LookupRequest { Justification = Why }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "identifier"), (nothing.Code, nothing.Field));
    }

    [Fact]
    public async Task A_batch_answers_every_item_in_order_and_a_bad_item_fails_alone()
    {
        var handles = Enumerable.Range(0, 40).Select(_ => Unique.SnapchatHandle()).ToList();
        foreach (var handle in handles.Take(10)) await CaseHolding(nl, Tlp.Green, handle);

        using var call = partner.BatchLookup();
        var requests = new List<BatchLookupRequest>();
        for (var i = 0; i < 1000; i++)
        {
            var request = new BatchLookupRequest { ItemId = $"item-{i}", Identifier = Raw(IdentifierKind.PlatformAccount, handles[i % handles.Count], "snapchat") };
            if (i == 0) request.Justification = Why;
            if (i == 500) request.Identifier = Raw(IdentifierKind.PhoneNumber, "not a phone");
            requests.Add(request);
        }
        var writing = Task.Run(async () =>
        {
            foreach (var request in requests) await call.RequestStream.WriteAsync(request);
            await call.RequestStream.CompleteAsync();
        });
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();
        await writing;

        Assert.Equal(requests.Select(r => r.ItemId), answers.Select(a => a.ItemId));
        Assert.Equal((int)StatusCode.InvalidArgument, answers[500].Error.Code);
        var single = await partner.LookupAsync(new LookupRequest { Identifier = Raw(IdentifierKind.PlatformAccount, handles[0], "snapchat"), Justification = Why });
        for (var i = 0; i < 1000; i++)
        {
            if (i == 500) continue;
            Assert.Equal(i % handles.Count < 10, answers[i].Hit);
            Assert.Null(answers[i].Error);
        }
        Assert.Equal(single.Disclosures.Single().CaseReference, answers[0].Disclosures.Single().CaseReference);
    }

    [Fact]
    public async Task A_batch_item_without_any_justification_is_refused_alone()
    {
        using var call = partner.BatchLookup();
        await call.RequestStream.WriteAsync(new BatchLookupRequest { ItemId = "1", Identifier = Raw(IdentifierKind.EmailAddress, Unique.Email()) });
        await call.RequestStream.WriteAsync(new BatchLookupRequest { ItemId = "2", Identifier = Raw(IdentifierKind.EmailAddress, Unique.Email()), Justification = Why });
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal(["1", "2"], answers.Select(a => a.ItemId));
        Assert.Equal((int)StatusCode.InvalidArgument, answers[0].Error.Code);
        Assert.Null(answers[1].Error);
    }
}
