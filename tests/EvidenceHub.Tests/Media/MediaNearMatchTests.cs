using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Media.NearMatch;
using EvidenceHub.Media.Pdq;
using EvidenceHub.Media.Samples;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// Media records over real gRPC and PostgreSQL: near-duplicate images of two units correlate with their distance,
/// hidden cases stay hidden, and a second hub instance over the same database sees what the first added. Each test
/// hashes a picture of its own (a random PDQ hash), so that the tests of this hub never match each other.
public sealed class MediaNearMatchTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly Justification Why = new() { Purpose = "Image found on a seized phone", CaseReference = "US-2026-0142" };
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly LookupService.LookupServiceClient us = hub.Lookups("US-HSI-C3");

    private static Hash256 NewPdq() => Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue)));

    private static Hash256 Flipped(Hash256 hash, int bits)
    {
        for (var k = 0; k < bits; k++) hash = hash.FlipBit(k * 7 % 256);
        return hash;
    }

    private static AddMediaRequest Media(string caseId, Hash256? pdq, int quality = 90) => new()
    {
        CommandId = NewId(), CaseId = caseId, Sha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
        Md5 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Pdq = pdq?.ToHex() ?? "", PdqQuality = pdq is null ? 0 : quality,
        VictimIdentified = true, Distributed = true, Category = 1,
    };

    private static LookupRequest Pdq(Hash256 hash) => new()
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.PerceptualHash, Value = hash.ToHex() } },
    };

    private static List<CorrelationNotice> Notices(IEnumerable<FeedItem> feed, string caseId) =>
        feed.Where(i => i.Correlation?.YourCaseId == caseId).Select(i => i.Correlation).ToList();

    [Fact]
    public async Task Near_duplicate_images_of_two_units_correlate_and_both_feeds_show_the_distance()
    {
        var images = SyntheticImages.All();
        var original = PdqHasher.Hash(new MemoryStream(images.Single(i => i.Name == "photo.png").Bytes));
        var edited = PdqHasher.Hash(new MemoryStream(images.Single(i => i.Name == "photo-q50.jpg").Bytes));
        var distance = original.Hash.DistanceTo(edited.Hash);
        Assert.InRange(distance, 1, 31);
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        var caCase = await ca.OpenedCase(Tlp.Green);

        var first = await nl.AddMediaAsync(Media(nlCase, Hash256.Parse(original.Hash.ToString()), original.Quality));
        var second = await ca.AddMediaAsync(Media(caCase, Hash256.Parse(edited.Hash.ToString()), edited.Quality));

        Assert.Equal((0, 1), (first.Correlations, second.Correlations));
        var toNl = Assert.Single(Notices(await hub.FeedAfter("NL-TBKK", nlStart), nlCase));
        var toCa = Assert.Single(Notices(await hub.FeedAfter("CA-RCMP-NCECC", caStart), caCase));
        Assert.Equal((distance, "CA-RCMP-NCECC", IdentifierKind.PerceptualHash), (toNl.Distance, toNl.OtherCase.OwnerUnit, toNl.Kind));
        Assert.Equal((distance, "NL-TBKK"), (toCa.Distance, toCa.OtherCase.OwnerUnit));

        // A partner asking with the edited image's hash learns both cases, and the nearest is the same picture.
        var answer = await us.LookupAsync(Pdq(Hash256.Parse(edited.Hash.ToString())));
        Assert.Equal((true, 0, 2), (answer.Hit, answer.Distance, answer.Disclosures.Count));
        using var replay = hub.Audit("EU-AUDIT").ReplayCase(new ReplayCaseRequest { CaseId = caCase, Justification = Why });
        var types = (await replay.ResponseStream.ReadAllAsync().ToListAsync()).Select(e => e.EventType).ToList();
        Assert.Equal(["case_opened", "suspect_identifier_added", "suspect_identifier_added", "suspect_identifier_added", "media_added"], types);
    }

    [Fact]
    public async Task Hashes_31_bits_apart_match_and_32_bits_apart_do_not()
    {
        var pdq = NewPdq();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        await nl.AddMediaAsync(Media(nlCase, pdq));
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var caCase = await ca.OpenedCase(Tlp.Green);

        // 32 bits from NL's hash, and far from the hashes asked about below.
        Hash256 FlippedFrom(int first) { var hash = pdq; for (var bit = first; bit < first + 32; bit++) hash = hash.FlipBit(bit); return hash; }
        var far = await ca.AddMediaAsync(Media(caCase, FlippedFrom(200)));
        Assert.Equal(0, far.Correlations);
        Assert.Empty(Notices(await hub.FeedAfter("CA-RCMP-NCECC", caStart), caCase));
        Assert.False((await us.LookupAsync(Pdq(FlippedFrom(100)))).Hit);

        var nearAnswer = await us.LookupAsync(Pdq(Flipped(pdq, 31)));
        Assert.Equal((true, 31), (nearAnswer.Hit, nearAnswer.Distance));
        var near = await ca.AddMediaAsync(Media(caCase, Flipped(pdq, 31)));
        Assert.Equal(1, near.Correlations);
    }

    [Fact]
    public async Task A_red_cases_near_match_is_invisible_to_others()
    {
        var pdq = NewPdq();
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var red = await be.OpenedCase(Tlp.Red);
        await be.AddMediaAsync(Media(red, pdq));
        var nlCase = await nl.OpenedCase(Tlp.Green);

        var added = await nl.AddMediaAsync(Media(nlCase, Flipped(pdq, 5)));

        Assert.Equal(0, added.Correlations);
        // Near only the RED case (28 bits from it, 33 from NL's): the same answer as a hash nobody holds.
        var onlyRed = pdq;
        for (var bit = 100; bit < 128; bit++) onlyRed = onlyRed.FlipBit(bit);
        Assert.Equal(new LookupAnswer(), await us.LookupAsync(Pdq(onlyRed)));
        Assert.Equal(new LookupAnswer(), await us.LookupAsync(Pdq(NewPdq())));
        // Near both: only NL's case is told, at its own distance (3), not the RED case's (2).
        var both = await us.LookupAsync(Pdq(Flipped(pdq, 2)));
        Assert.Equal(("NL-TBKK", 3), (Assert.Single(both.Disclosures).OwnerUnit, both.Distance));
        // The RED case's owner is told of the GREEN case all the same.
        var toBe = Notices(await hub.FeedAfter("BE-FCCU", beStart), red);
        Assert.Equal(5, Assert.Single(toBe).Distance);
    }

    [Fact]
    public async Task A_low_quality_pdq_hash_is_refused_naming_the_field()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var failure = await Failure(() => nl.AddMediaAsync(Media(caseId, NewPdq(), quality: 49)).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "pdq_quality"), (failure.Code, failure.Field));
        var hidden = await Failure(() => nl.AddMediaAsync(Media(Guid.NewGuid().ToString(), NewPdq())).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, hidden.Code);
    }

    [Fact]
    public async Task A_retracted_media_record_matches_no_more()
    {
        var pdq = NewPdq();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        var media = Media(nlCase, pdq);
        await nl.AddMediaAsync(media);
        Assert.True((await us.LookupAsync(Pdq(Flipped(pdq, 3)))).Hit);

        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = nlCase, FileHash = media.Sha256, Reason = "not the suspect's file" });

        Assert.False((await us.LookupAsync(Pdq(Flipped(pdq, 3)))).Hit);
        var caCase = await ca.OpenedCase(Tlp.Green);
        Assert.Equal(0, (await ca.AddMediaAsync(Media(caCase, Flipped(pdq, 3)))).Correlations);
    }

    [Fact]
    public async Task A_second_hub_instance_finds_a_match_added_through_the_first()
    {
        await using var second = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(hub.Database, hub.Pki)) host.UseSetting(key, value);
            host.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientCertificate>());
        });
        GrpcChannel Channel(string unit) => GrpcChannel.ForAddress(second.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new TestClientCertificate.Presenting(hub.CertificateOf(unit), "analyst", second.Server.CreateHandler()),
        });
        var secondCases = new CaseService.CaseServiceClient(Channel("CA-RCMP-NCECC"));
        var secondLookups = new LookupService.LookupServiceClient(Channel("US-HSI-C3"));
        var pdq = NewPdq();
        // The second instance starts (and loads its index) before the first adds the hash.
        Assert.False((await secondLookups.LookupAsync(Pdq(pdq))).Hit);
        var nlCase = await nl.OpenedCase(Tlp.Green);
        await nl.AddMediaAsync(Media(nlCase, pdq));

        Assert.Equal((true, 7), ((await secondLookups.LookupAsync(Pdq(Flipped(pdq, 7)))).Hit, (await secondLookups.LookupAsync(Pdq(Flipped(pdq, 7)))).Distance));
        var caCase = await secondCases.OpenedCase(Tlp.Green);
        Assert.Equal(1, (await secondCases.AddMediaAsync(Media(caCase, Flipped(pdq, 7)))).Correlations);
        // And back: the first instance's lookups see what the second added.
        Assert.Equal(0, (await us.LookupAsync(Pdq(Flipped(pdq, 7)))).Distance);
    }

    [Fact]
    public async Task Media_records_go_through_one_sync_stream()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        using var sync = nl.Sync();
        var pdq = NewPdq();
        await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = Media(caseId, pdq) });
        await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = Media(caseId, Flipped(pdq, 40)) });
        await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = Media(caseId, NewPdq(), quality: 10) });
        await sync.RequestStream.CompleteAsync();
        var results = await sync.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal([SyncResult.OutcomeOneofCase.Result, SyncResult.OutcomeOneofCase.Result, SyncResult.OutcomeOneofCase.Error], results.Select(r => r.OutcomeCase));
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why });
        Assert.Equal(6, file.Identifiers.Count);
    }
    /// Commands written together run as one burst, in one transaction: the second hash is decided before the first is
    /// committed (and so before the near-match index holds it), and must still find it.
    [Fact]
    public async Task Near_duplicates_in_one_sync_burst_correlate()
    {
        var (first, second) = (await nl.OpenedCase(Tlp.Green), await nl.OpenedCase(Tlp.Green));
        var start = await hub.Feed("NL-TBKK").LastPosition();
        var pdq = NewPdq();
        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = Media(first, pdq) });
        await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = Media(second, Flipped(pdq, 20)) });
        await sync.RequestStream.CompleteAsync();
        var results = await sync.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal([0, 1], results.Select(r => r.Result.Correlations));
        // A unit leading both cases gets one notice, on the case that found the match.
        var feed = await hub.FeedAfter("NL-TBKK", start);
        Assert.Empty(Notices(feed, first));
        Assert.Equal((20, "NL-TBKK"), (Assert.Single(Notices(feed, second)).Distance, Notices(feed, second)[0].OtherCase.OwnerUnit));
    }

    [Fact]
    public async Task A_media_record_twice_in_one_sync_is_one_record_and_media_leave_the_stored_case_file_alone()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var store = hub.Factory.Services.GetRequiredService<Marten.IDocumentStore>();
        async Task<Guid> FileVersion()
        {
            await using var query = store.QuerySession();
            return (await query.MetadataForAsync((await query.LoadAsync<Hub.Cases.CaseFile>(Guid.Parse(caseId)))!))!.CurrentVersion;
        }
        var before = await FileVersion();
        var media = Media(caseId, NewPdq());
        var again = media.Clone();
        again.CommandId = NewId();
        using (var sync = nl.Sync())
        {
            await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = media });
            await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = again });
            await sync.RequestStream.WriteAsync(new SyncCommand { AddMedia = Media(caseId, NewPdq()) });
            await sync.RequestStream.CompleteAsync();
            Assert.All(await sync.ResponseStream.ReadAllAsync().ToListAsync(), r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        }
        await using (var query = store.QuerySession())
        {
            var records = await Hub.Media.CaseMediaRecords.OfCase(query, Guid.Parse(caseId), default);
            Assert.Equal(2, records.Count);
            Assert.Equal(["sha256:" + media.Sha256, "md5:" + media.Md5, "pdq:" + media.Pdq], records.Single(r => r.Keys[0] == "sha256:" + media.Sha256).Keys);
        }
        Assert.Equal(before, await FileVersion());

        // Retracted and added again: a record again, found by its MD5 as well.
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = media.Md5, Reason = "wrong case" });
        var readded = media.Clone();
        readded.CommandId = NewId();
        await nl.AddMediaAsync(readded);
        await using (var query = store.QuerySession())
            Assert.Equal(2, (await Hub.Media.CaseMediaRecords.OfCase(query, Guid.Parse(caseId), default)).Count);
        await Assert.ThrowsAsync<RpcException>(async () => await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = new string('0', 64), Reason = "none such" }));
    }
}
