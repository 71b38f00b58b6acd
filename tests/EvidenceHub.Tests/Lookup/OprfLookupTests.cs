using EvidenceHub.Contracts.V1;
using OprfKeys = EvidenceHub.Hub.Lookup.OprfKeys;
using EvidenceHub.Oprf;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lookup;

/// Blind lookups with the OPRF: the partner blinds, the hub evaluates without seeing the identifier, the partner
/// finalizes into a token and looks it up.
[Collection(LookupHub.Name)]
public sealed class OprfLookupTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly LookupService.LookupServiceClient partner = hub.Lookups("US-HSI-C3");

    private static Justification Why(string purpose = "Victim reported contact by this account") => new() { Purpose = purpose, CaseReference = "US-2026-0042" };

    /// What a partner's client does: blind, ask the hub to evaluate, finalize, write the token.
    public static async Task<string> OprfToken(LookupService.LookupServiceClient lookups, string identifierKey, Justification? why = null)
    {
        var input = EvidenceHub.Oprf.OprfToken.Input(identifierKey);
        var blinded = Ristretto255Oprf.Blind(input);
        var reply = await lookups.EvaluateBlindedAsync(new EvaluateBlindedRequest { BlindedElements = { ByteString.CopyFrom(blinded.Element) }, Justification = why ?? Why() });
        return EvidenceHub.Oprf.OprfToken.Format(reply.KeyId, Ristretto255Oprf.Finalize(input, blinded.Blind, reply.EvaluatedElements.Single().Span));
    }

    /// The token the hub's table holds under a given key, computed from the key's seed as the hub does.
    private static string TableToken(byte[] seed, string keyId, string identifierKey) =>
        EvidenceHub.Oprf.OprfToken.Format(keyId, OprfServerKey.Derive(seed, OprfKeys.KeyInfo).Evaluate(EvidenceHub.Oprf.OprfToken.Input(identifierKey)));

    private static LookupRequest ByToken(string token) => new() { Identifier = new IdentifierQuery { BlindToken = token }, Justification = Why() };

    /// Tokens the backfill makes for a key added after the identifier (a background service, not a projection: nothing
    /// to wait on but the answer).
    public static async Task<LookupAnswer> UntilHit(LookupService.LookupServiceClient lookups, LookupRequest query)
    {
        var answer = await lookups.LookupAsync(query);
        for (var attempt = 0; !answer.Hit && attempt < 100; attempt++)
        {
            await Task.Delay(100);
            answer = await lookups.LookupAsync(query);
        }
        return answer;
    }

    /// Tokens are made by the async daemon: a lookup once it has applied every event appended so far.
    private async Task<LookupAnswer> AfterProjections(LookupService.LookupServiceClient lookups, LookupRequest query)
    {
        await hub.ProjectionsCaughtUp();
        return await lookups.LookupAsync(query);
    }

    private async Task<string> HeldHandle(CaseService.CaseServiceClient unit)
    {
        var handle = Unique.SnapchatHandle();
        var open = OpenCase(tlp: Tlp.Green);
        await unit.OpenCaseAsync(open);
        await unit.AddSuspectIdentifierAsync(AddIdentifier(open.CaseId, IdentifierKind.PlatformAccount, handle, "snapchat"));
        return handle;
    }

    [Fact]
    public async Task A_blinded_lookup_finds_the_hit_a_raw_lookup_finds_and_the_hub_records_no_identifier()
    {
        var handle = await HeldHandle(nl);
        var raw = await partner.LookupAsync(new LookupRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.PlatformAccount, Value = handle, Platform = "snapchat" } },
            Justification = Why(),
        });
        Assert.True(raw.Hit);
        var since = Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-5));
        var marker = $"oprf round trip {Guid.NewGuid():N}";

        var token = await OprfToken(partner, "account:snapchat:" + handle, Why(marker));
        Assert.StartsWith("oprf1:o2:", token);
        var blind = await AfterProjections(partner, ByToken(token));
        Assert.Equal(raw.ToByteArray(), blind.ToByteArray());

        var unknown = await OprfToken(partner, "account:snapchat:" + Unique.SnapchatHandle());
        Assert.False((await partner.LookupAsync(ByToken(unknown))).Hit);

        var records = (await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = "US-HSI-C3", From = since }))
            .Where(r => r.Justification.Contains(marker)).ToList();
        var evaluation = Assert.Single(records);
        Assert.Equal(("EvaluateBlinded", AccessOutcome.Allowed, "1 blinded elements", "1 OPRF evaluations under key o2", "US-HSI-C3"),
            (evaluation.Operation, evaluation.Outcome, evaluation.Asked, evaluation.Disclosed, evaluation.RecipientUnit));
        Assert.Empty(evaluation.IdentifierKeys);
        Assert.DoesNotContain(handle, evaluation.ToString());
    }

    [Fact]
    public async Task Many_elements_in_one_call_come_back_in_order_and_each_finalizes_to_its_own_token()
    {
        var handles = new[] { await HeldHandle(nl), Unique.SnapchatHandle(), await HeldHandle(nl) };
        var inputs = handles.Select(h => EvidenceHub.Oprf.OprfToken.Input("account:snapchat:" + h)).ToList();
        var blinded = inputs.Select(i => Ristretto255Oprf.Blind(i)).ToList();
        var request = new EvaluateBlindedRequest { Justification = Why() };
        request.BlindedElements.AddRange(blinded.Select(b => ByteString.CopyFrom(b.Element)));
        var reply = await partner.EvaluateBlindedAsync(request);

        Assert.Equal(3, reply.EvaluatedElements.Count);
        var tokens = inputs.Select((input, i) => EvidenceHub.Oprf.OprfToken.Format(reply.KeyId, Ristretto255Oprf.Finalize(input, blinded[i].Blind, reply.EvaluatedElements[i].Span))).ToList();
        for (var i = 0; i < 3; i++) Assert.Equal(TableToken(HubFixture.OprfSeedO2, "o2", "account:snapchat:" + handles[i]), tokens[i]);
        Assert.True((await AfterProjections(partner, ByToken(tokens[0]))).Hit);
        Assert.True((await AfterProjections(partner, ByToken(tokens[2]))).Hit);
        Assert.False((await partner.LookupAsync(ByToken(tokens[1]))).Hit);
    }

    [Fact]
    public async Task Tokens_under_an_older_active_key_still_find_the_hit()
    {
        var handle = await HeldHandle(nl);
        var answer = await AfterProjections(partner, ByToken(TableToken(HubFixture.OprfSeedO1, "o1", "account:snapchat:" + handle)));
        Assert.True(answer.Hit);
    }

    public static TheoryData<string, string> BadElements() => new()
    {
        { "", "must be 32 bytes" },
        { "0000000000000000000000000000000000000000000000000000000000000000", "identity" },
        { "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "canonical" },
        { "0100000000000000000000000000000000000000000000000000000000000000", "canonical" },
    };

    [Theory]
    [MemberData(nameof(BadElements))]
    public async Task A_bad_element_fails_the_call_naming_its_index(string hex, string why)
    {
        var request = new EvaluateBlindedRequest { Justification = Why() };
        request.BlindedElements.Add(ByteString.CopyFrom(Ristretto255Oprf.Blind("a"u8).Element));
        request.BlindedElements.Add(ByteString.CopyFrom(Convert.FromHexString(hex)));
        var failure = await Failure(() => partner.EvaluateBlindedAsync(request).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "blinded_elements[1]"), (failure.Code, failure.Field));
        Assert.Contains(why, failure.Status.Message);
    }

    [Fact]
    public async Task A_call_needs_a_justification_and_between_one_and_the_configured_maximum_of_elements()
    {
        ByteString Element() => ByteString.CopyFrom(Ristretto255Oprf.Blind(Guid.NewGuid().ToByteArray()).Element);
        var noWhy = await Failure(() => partner.EvaluateBlindedAsync(new EvaluateBlindedRequest { BlindedElements = { Element() } }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), (noWhy.Code, noWhy.Field));
        var none = await Failure(() => partner.EvaluateBlindedAsync(new EvaluateBlindedRequest { Justification = Why() }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "blinded_elements"), (none.Code, none.Field));

        var full = new EvaluateBlindedRequest { Justification = Why() };
        full.BlindedElements.AddRange(Enumerable.Range(0, HubFixture.MaxBlindedElementsPerCall).Select(_ => Element()));
        Assert.Equal(HubFixture.MaxBlindedElementsPerCall, (await partner.EvaluateBlindedAsync(full)).EvaluatedElements.Count);
        full.BlindedElements.Add(Element());
        var tooMany = await Failure(() => partner.EvaluateBlindedAsync(full).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "blinded_elements"), (tooMany.Code, tooMany.Field));
    }

    [Theory]
    [InlineData("oprf1:o9:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not an active OPRF key")]
    [InlineData("oprf1:o2:short", "base64url OPRF output")]
    [InlineData("oprf1:no-key-id", "is not of the form")]
    public async Task A_malformed_oprf_token_is_refused_naming_the_field(string token, string why)
    {
        var failure = await Failure(() => partner.LookupAsync(ByToken(token)).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "identifier.blind_token"), (failure.Code, failure.Field));
        Assert.Contains(why, failure.Status.Message);
    }

    [Fact]
    public async Task HMAC_tokens_keep_working_beside_OPRF_tokens()
    {
        var handle = await HeldHandle(nl);
        var keys = await partner.GetBlindingKeysAsync(new GetBlindingKeysRequest());
        var current = Assert.Single(keys.Keys, k => k.Current);
        var mac = System.Security.Cryptography.HMACSHA256.HashData(current.Key.ToByteArray(), System.Text.Encoding.UTF8.GetBytes("account:snapchat:" + handle));
        var hmacToken = $"{current.KeyId}.{Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
        Assert.True((await AfterProjections(partner, ByToken(hmacToken))).Hit);
        Assert.True((await AfterProjections(partner, ByToken(await OprfToken(partner, "account:snapchat:" + handle)))).Hit);
    }
}

/// Rotation over a database of its own, with one hub after another as an operator would restart it: a new current
/// key makes tokens for the identifiers (and imported hashes) already held, an older key's tokens work until the key is removed.
public sealed class OprfRotationTests : IAsyncLifetime
{
    private static readonly byte[] SeedA = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] SeedB = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private ThrowawayDatabase database = null!;
    private readonly EvidenceHub.Testing.ThrowawayPki pki = new();

    public async Task InitializeAsync() => database = await ThrowawayDatabase.ForTests();

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        pki.Dispose();
    }

    private WebApplicationFactory<Program> Hub(params (string Id, byte[] Seed)[] keys) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(database, pki).Where(s => !s.Key.StartsWith("Lookup:", StringComparison.Ordinal)))
                host.UseSetting(key, value);
            foreach (var (id, seed) in keys) host.UseSetting($"Lookup:OprfKeys:{id}", Convert.ToBase64String(seed));
            host.UseSetting("Lookup:CurrentOprfKey", keys[^1].Id);
            host.UseSetting("Lookup:BlindTokensForHashLists", "true");
            host.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientCertificate>());
        });

    private GrpcChannel Channel(WebApplicationFactory<Program> hub, string unit) => GrpcChannel.ForAddress(hub.Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = new TestClientCertificate.Presenting(pki.ClientCertificate(unit), "analyst", hub.Server.CreateHandler()),
    });

    [Fact]
    public async Task A_new_current_key_finds_identifiers_held_before_it_and_a_removed_key_is_refused()
    {
        var handle = Unique.SnapchatHandle();
        var identifierKey = "account:snapchat:" + handle;
        var importedSha256 = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string tokenA;
        await using (var first = Hub(("a", SeedA)))
        {
            var nl = new CaseService.CaseServiceClient(Channel(first, "NL-TBKK"));
            var open = OpenCase(tlp: Tlp.Green);
            await nl.OpenCaseAsync(open);
            await nl.AddSuspectIdentifierAsync(AddIdentifier(open.CaseId, IdentifierKind.PlatformAccount, handle, "snapchat"));
            using var import = nl.ImportMedia();
            await import.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = open.CaseId, FirstRow = 1, Rows = { new MediaRow { Sha256 = importedSha256, Category = 1 } } });
            await import.RequestStream.CompleteAsync();
            await import.ResponseStream.ReadAllAsync().SingleAsync();
            tokenA = await OprfLookupTests.OprfToken(new LookupService.LookupServiceClient(Channel(first, "US-HSI-C3")), identifierKey);
            Assert.StartsWith("oprf1:a:", tokenA);
            await first.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
            Assert.True((await new LookupService.LookupServiceClient(Channel(first, "US-HSI-C3")).LookupAsync(ByToken(tokenA))).Hit);
        }

        await using (var rotated = Hub(("a", SeedA), ("b", SeedB)))
        {
            var lookups = new LookupService.LookupServiceClient(Channel(rotated, "US-HSI-C3"));
            var tokenB = await OprfLookupTests.OprfToken(lookups, identifierKey);
            Assert.StartsWith("oprf1:b:", tokenB);
            // Made by the backfill for the identifier held before key b existed.
            Assert.True((await OprfLookupTests.UntilHit(lookups, ByToken(tokenB))).Hit);
            Assert.True((await lookups.LookupAsync(ByToken(tokenA))).Hit);
            // And for a hash imported before it (a row of a hash list, not a holding).
            Assert.True((await OprfLookupTests.UntilHit(lookups, ByToken(await OprfLookupTests.OprfToken(lookups, "sha256:" + importedSha256)))).Hit);
        }

        await using (var retired = Hub(("b", SeedB)))
        {
            var lookups = new LookupService.LookupServiceClient(Channel(retired, "US-HSI-C3"));
            var failure = await Failure(() => lookups.LookupAsync(ByToken(tokenA)).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, "identifier.blind_token"), (failure.Code, failure.Field));
            Assert.True((await lookups.LookupAsync(ByToken(await OprfLookupTests.OprfToken(lookups, identifierKey)))).Hit);
        }
    }

    private static LookupRequest ByToken(string token) => new()
    {
        Identifier = new IdentifierQuery { BlindToken = token },
        Justification = new Justification { Purpose = "rotation" },
    };
}
