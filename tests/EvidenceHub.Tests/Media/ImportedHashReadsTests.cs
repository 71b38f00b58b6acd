using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using EvidenceHub.Tests.Lookup;
using Google.Protobuf;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// The readers that follow a case's imported hash-list rows like its identifiers, over real gRPC and PostgreSQL:
/// blind-token lookups (OPRF), the case as of a past moment, and suspect networks.
public sealed class ImportedHashReadsTests(ImportedHashReadsTests.WithHashListTokens hub) : IClassFixture<ImportedHashReadsTests.WithHashListTokens>
{
    /// Blind tokens for imported hash lists are off by default (their cost: docs/media.md).
    public sealed class WithHashListTokens : HubFixture
    {
        protected override IEnumerable<(string Key, string Value)> MoreSettings() => [("Lookup:BlindTokensForHashLists", "true")];
    }

    private static readonly Justification Why = new() { Purpose = "Hash list from a seized server", CaseReference = "NL-2026-0042" };
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly LookupService.LookupServiceClient partner = hub.Lookups("US-HSI-C3");

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static MediaRow Row() => new() { Sha256 = Hex(32), Md5 = Hex(16), Category = 1 };

    private static async Task<MediaBatchResult> Import(CaseService.CaseServiceClient cases, string caseId, params MediaRow[] rows) =>
        Assert.Single(await cases.Imported(caseId, rows));

    private static LookupRequest Raw(string sha256) => new()
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = sha256 } },
    };

    private static LookupRequest ByToken(string token) => new() { Justification = Why, Identifier = new IdentifierQuery { BlindToken = token } };

    [Fact]
    public async Task A_blind_lookup_of_an_imported_hash_answers_as_the_raw_lookup_and_misses_once_its_record_is_retracted()
    {
        var row = Row();
        var kept = Row();
        var caseId = await nl.OpenedCase(Tlp.Green);
        // An identifier first, so that the batch is not the case's first change.
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, $"{Guid.NewGuid():N}@example.org"));
        await Import(nl, caseId, row, kept);
        var raw = await partner.LookupAsync(Raw(row.Sha256));
        var token = await OprfLookupTests.OprfToken(partner, "sha256:" + row.Sha256);
        var md5Token = await OprfLookupTests.OprfToken(partner, "md5:" + kept.Md5);
        await hub.ProjectionsCaughtUp();

        var blind = await partner.LookupAsync(ByToken(token));
        var md5Blind = await partner.LookupAsync(ByToken(md5Token));
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = row.Sha256, Reason = "not from the seized server" });
        var retracted = await partner.LookupAsync(ByToken(token));

        Assert.True(raw.Hit);
        Assert.Equal(raw.ToByteArray(), blind.ToByteArray());
        Assert.True(md5Blind.Hit);
        Assert.False(retracted.Hit);
        Assert.True((await partner.LookupAsync(ByToken(md5Token))).Hit);
    }

    /// Erasing another case's holding of the same hash deletes the tokens no other case needs: not those of a hash
    /// still imported.
    [Fact]
    public async Task Erasing_another_cases_holding_of_an_imported_hash_keeps_its_blind_lookup()
    {
        var row = Row();
        var importing = await nl.OpenedCase(Tlp.Green);
        await Import(nl, importing, row);
        var holding = await nl.OpenedCase(Tlp.Green);
        await nl.AddSuspectIdentifierAsync(AddIdentifier(holding, IdentifierKind.FileHashSha256, row.Sha256));
        var token = await OprfLookupTests.OprfToken(partner, "sha256:" + row.Sha256);
        await hub.ProjectionsCaughtUp();

        await nl.EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = holding, IdentifierKey = "sha256:" + row.Sha256, LegalBasis = ErasureBasis.UnlawfulProcessing, Reason = "wrong case",
        });
        await hub.ProjectionsCaughtUp();

        var answer = await partner.LookupAsync(ByToken(token));
        Assert.Equal("NL-TBKK", Assert.Single(answer.Disclosures).OwnerUnit);
    }

    [Fact]
    public async Task A_blind_lookup_of_a_hidden_cases_imported_hash_answers_as_one_nobody_holds()
    {
        var row = Row();
        var red = await nl.OpenedCase(Tlp.Red);
        await Import(nl, red, row);
        var token = await OprfLookupTests.OprfToken(partner, "sha256:" + row.Sha256);
        var nobodys = await OprfLookupTests.OprfToken(partner, "sha256:" + Hex(32));
        await hub.ProjectionsCaughtUp();

        var hidden = await partner.LookupAsync(ByToken(token));
        var absent = await partner.LookupAsync(ByToken(nobodys));
        var owner = await hub.Lookups("NL-TBKK").LookupAsync(ByToken(token));

        Assert.False(hidden.Hit);
        Assert.Equal(absent.ToByteArray(), hidden.ToByteArray());
        Assert.True(owner.Hit);
    }
    private Task<Case> AsOf(string caseId, long version, int pageSize = 0, string pageToken = "") => hub.Audit("EU-AUDIT").GetCaseAsOfAsync(new GetCaseAsOfRequest
    {
        CaseId = caseId, Version = version, Justification = Why, PageSize = pageSize, PageToken = pageToken,
    }).ResponseAsync;

    private static List<string> KeysOf(Case answer) => answer.Identifiers.Select(i => i.Key).ToList();

    private static List<string> KeysOf(params MediaRow[] rows) => rows.SelectMany(r => new[] { "sha256:" + r.Sha256, "md5:" + r.Md5 }).ToList();

    /// Builds a case: a batch (a, b), an identifier, a batch (c), then a's record retracted; returns the versions after
    /// each step.
    private async Task<(string CaseId, MediaRow A, MediaRow B, MediaRow C, string Email, long[] Versions)> CaseWithTwoBatches()
    {
        var (a, b, c) = (Row(), Row(), Row());
        var email = $"{Guid.NewGuid():N}@example.org";
        var caseId = await nl.OpenedCase(Tlp.Green);
        var first = (await Import(nl, caseId, a, b)).Version;
        var identifier = (await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email))).Version;
        var second = (await Import(nl, caseId, c)).Version;
        var retracted = (await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = a.Md5, Reason = "not from the seized server" })).Version;
        return (caseId, a, b, c, "email:" + email, [first, identifier, second, retracted]);
    }

    [Fact]
    public async Task A_case_as_of_a_moment_lists_the_hashes_imported_by_then_and_a_record_retracted_later_as_it_stood()
    {
        var (caseId, a, b, c, email, versions) = await CaseWithTwoBatches();

        var before = await AsOf(caseId, 1);
        var afterFirst = await AsOf(caseId, versions[0]);
        var beforeRetraction = await AsOf(caseId, versions[2]);
        var now = await AsOf(caseId, versions[3]);
        var byTime = await hub.Audit("EU-AUDIT").GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, AsOfTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow), Justification = Why });

        Assert.Empty(before.Identifiers);
        Assert.Equal(KeysOf(a, b), KeysOf(afterFirst));
        Assert.Equal([.. KeysOf(a, b), email, .. KeysOf(c)], KeysOf(beforeRetraction));
        Assert.Equal([.. KeysOf(b), email, .. KeysOf(c)], KeysOf(now));
        Assert.Equal(KeysOf(now), KeysOf(byTime));
        var retractedThen = beforeRetraction.Identifiers.First(i => i.Key == "sha256:" + a.Sha256);
        var stored = beforeRetraction.Identifiers.First(i => i.Key == "sha256:" + b.Sha256);
        Assert.Equal((IdentifierKind.FileHashSha256, a.Sha256, "NL-TBKK"), (retractedThen.Kind, retractedThen.CanonicalValue, retractedThen.AddedByUnit));
        Assert.Equal(stored.AddedAt.ToDateTimeOffset().DateTime, retractedThen.AddedAt.ToDateTimeOffset().DateTime, TimeSpan.FromSeconds(5));
        Assert.All(new[] { before, afterFirst, beforeRetraction, now }, page => Assert.Empty(page.NextPageToken));
    }

    [Fact]
    public async Task A_case_as_of_a_moment_comes_a_page_at_a_time_each_hash_once_in_the_order_added()
    {
        var (caseId, _, _, _, _, versions) = await CaseWithTwoBatches();
        var whole = KeysOf(await AsOf(caseId, versions[2]));

        var paged = new List<string>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await AsOf(caseId, versions[2], pageSize: 2, pageToken: token);
            Assert.InRange(page.Identifiers.Count, 1, 2);
            paged.AddRange(KeysOf(page));
            token = page.NextPageToken;
            pages++;
        } while (token.Length > 0);
        var firstToken = (await AsOf(caseId, versions[2], pageSize: 2)).NextPageToken;
        var another = (await CaseWithTwoBatches()).CaseId;
        var otherCase = await Failure(() => AsOf(another, versions[2], pageSize: 2, pageToken: firstToken));
        var otherMoment = await Failure(() => AsOf(caseId, versions[3], pageSize: 2, pageToken: firstToken));
        var garbled = await Failure(() => AsOf(caseId, versions[2], pageSize: 2, pageToken: "not-a-token"));
        var negative = await Failure(() => AsOf(caseId, versions[2], pageSize: -1));

        Assert.Equal(7, whole.Count);
        Assert.Equal(whole, paged);
        Assert.Equal(4, pages);
        Assert.Equal((StatusCode.InvalidArgument, "page_token"), (otherMoment.Code, otherMoment.Field));
        Assert.Equal((StatusCode.InvalidArgument, "page_token"), (otherCase.Code, otherCase.Field));
        Assert.Equal((StatusCode.InvalidArgument, "page_token"), (garbled.Code, garbled.Field));
        Assert.Equal((StatusCode.InvalidArgument, "page_size"), (negative.Code, negative.Field));
    }

    [Fact]
    public async Task An_erased_case_as_of_any_moment_lists_no_imported_hash()
    {
        var (caseId, _, _, _, _, versions) = await CaseWithTwoBatches();

        await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, LegalBasis = ErasureBasis.CourtOrder, Reason = "court order 2026/78" });

        foreach (var version in versions)
            Assert.DoesNotContain((await AsOf(caseId, version)).Identifiers, i => i.Kind is IdentifierKind.FileHashSha256 or IdentifierKind.FileHashMd5);
    }
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");

    private Task<SuspectNetwork> NetworkAround(string unit, string caseId) =>
        hub.Lookups(unit).GetNetworkAsync(new GetNetworkRequest { CaseId = caseId, Justification = Why }).ResponseAsync;

    private static SuspectNetwork Network(LookupService.LookupServiceClient lookups, string sha256) => lookups.GetNetwork(new GetNetworkRequest
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = sha256 } },
    });

    [Fact]
    public async Task Cases_sharing_an_imported_hash_or_one_imported_and_one_held_join_one_network()
    {
        var (shared, heldToo, own) = (Row(), Row(), Row());
        var nlCase = await nl.OpenedCase(Tlp.Green);
        await Import(nl, nlCase, shared, heldToo);
        var beCase = await be.OpenedCase(Tlp.Green);
        await Import(be, beCase, new MediaRow { Sha256 = shared.Sha256, Md5 = own.Md5, Category = 1 });
        var caCase = await ca.OpenedCase(Tlp.Green);
        await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.FileHashMd5, heldToo.Md5));

        var around = await NetworkAround("NL-TBKK", nlCase);
        var fromValue = Network(partner, shared.Sha256);
        var fromBe = await NetworkAround("BE-FCCU", beCase);

        Assert.Equal(["BE-FCCU", "CA-RCMP-NCECC", "NL-TBKK"], around.Cases.Select(c => c.OwnerUnit));
        Assert.Equal(new[] { "md5:" + heldToo.Md5, "md5:" + own.Md5, "md5:" + shared.Md5, "sha256:" + heldToo.Sha256, "sha256:" + shared.Sha256 }.Order(StringComparer.Ordinal),
            around.Identifiers.Select(i => i.Key));
        Assert.Equal(2, around.Identifiers.Single(i => i.Key == "sha256:" + shared.Sha256).CaseCount);
        Assert.Equal(2, around.Identifiers.Single(i => i.Key == "md5:" + heldToo.Md5).CaseCount);
        Assert.Equal(["md5:" + heldToo.Md5], around.Cases.Single(c => c.OwnerUnit == "CA-RCMP-NCECC").IdentifierKeys);
        Assert.False(around.Truncated);
        Assert.Equal(around.ToByteArray(), fromBe.ToByteArray());
        Assert.Equal(around.Identifiers.Select(i => (i.Key, i.CaseCount)), fromValue.Identifiers.Select(i => (i.Key, i.CaseCount)));
        Assert.Equal(around.Cases.Select(c => c.CaseReference), fromValue.Cases.Select(c => c.CaseReference));
    }

    [Fact]
    public async Task A_hidden_case_sharing_an_imported_hash_is_neither_shown_nor_counted_nor_walked()
    {
        var (shared, hiddenOnly) = (Row(), Row());
        var nlCase = await nl.OpenedCase(Tlp.Green);
        await Import(nl, nlCase, shared);
        var beCase = await be.OpenedCase(Tlp.Green);
        await Import(be, beCase, new MediaRow { Sha256 = shared.Sha256, Category = 1 });
        var without = Network(partner, shared.Sha256);
        var red = await be.OpenedCase(Tlp.Red);
        await Import(be, red, new MediaRow { Sha256 = shared.Sha256, Md5 = hiddenOnly.Md5, Category = 1 });
        // A case the partner may see that holds only what the hidden case holds: reachable through the hidden case alone.
        var beyond = await ca.OpenedCase(Tlp.Green);
        await Import(ca, beyond, new MediaRow { Md5 = hiddenOnly.Md5, Category = 1 });

        var with = Network(partner, shared.Sha256);
        var auditor = Network(hub.Lookups("EU-AUDIT"), shared.Sha256);

        Assert.Equal(without.ToByteArray(), with.ToByteArray());
        Assert.Equal(2, with.Identifiers.Single(i => i.Key == "sha256:" + shared.Sha256).CaseCount);
        Assert.Equal(3, auditor.Identifiers.Single(i => i.Key == "sha256:" + shared.Sha256).CaseCount);
        Assert.Equal(4, auditor.Cases.Count);
    }
}

/// A network walked from a hash-list case reads its imported hashes only up to the network's identifier limit
/// (Limits:Answers:NetworkMaxIdentifiers), then ends truncated, as a case with too many identifiers does.
public sealed class ImportedHashNetworkLimitTests(ImportedHashNetworkLimitTests.SmallNetworks hub) : IClassFixture<ImportedHashNetworkLimitTests.SmallNetworks>
{
    public sealed class SmallNetworks : HubFixture
    {
        protected override IEnumerable<(string Key, string Value)> MoreSettings() => [("Limits:Answers:NetworkMaxIdentifiers", "5")];
    }

    private static MediaRow Row() => new() { Sha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), Md5 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Category = 1 };

    private Task<SuspectNetwork> AroundCaseWith(int rows) => AroundCaseWith(Enumerable.Range(0, rows).Select(_ => Row()).ToArray());

    private async Task<SuspectNetwork> AroundCaseWith(MediaRow[] rows)
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase(Tlp.Green);
        using var call = nl.ImportMedia();
        await call.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = caseId, FirstRow = 1, Rows = { rows } });
        await call.RequestStream.CompleteAsync();
        await call.ResponseStream.ReadAllAsync().SingleAsync();
        return await hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { CaseId = caseId, Justification = new Justification { Purpose = "Mapping the ring" } });
    }

    [Fact]
    public async Task A_hash_list_case_larger_than_the_limit_shows_the_limit_and_says_truncated()
    {
        var large = await AroundCaseWith(300);
        var small = await AroundCaseWith(2);

        Assert.Equal((true, 5), (large.Truncated, large.Identifiers.Count));
        Assert.Equal((false, 4), (small.Truncated, small.Identifiers.Count));
    }

    /// Five records sharing one SHA-256: the first window (six key slots) holds four distinct hashes, under the
    /// limit, yet two more are behind it: the answer must say it is truncated.
    [Fact]
    public async Task A_hash_list_whose_first_hashes_repeat_still_says_truncated_when_more_are_behind()
    {
        var shared = Row().Sha256;
        var network = await AroundCaseWith([.. Enumerable.Range(0, 5).Select(_ => new MediaRow { Sha256 = shared, Md5 = Row().Md5, Category = 1 })]);

        Assert.True(network.Truncated);
    }
}
