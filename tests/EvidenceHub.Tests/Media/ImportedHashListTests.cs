using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Media.NearMatch;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// Imported hash-list rows (their own narrow table) over real gRPC and PostgreSQL, as every reader sees them: they
/// correlate with other cases' imported rows and with later single adds, a hidden case's imported hash is no hit, a
/// retracted imported record is gone for every reader, and an erased case takes its imported rows with it.
public sealed class ImportedHashListTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly Justification Why = new() { Purpose = "Hash list from a seized server", CaseReference = "NL-2026-0042" };
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static MediaRow Row(bool flagged = false) => new()
    {
        Sha256 = Hex(32), Md5 = Hex(16), Pdq = Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue))).ToHex(), PdqQuality = 90,
        Category = 1, ProviderFilter = flagged,
    };

    private static Task<List<MediaBatchResult>> Import(CaseService.CaseServiceClient cases, string caseId, params MediaRow[] rows) => cases.Imported(caseId, rows);

    private Task<LookupAnswer> Lookup(string unit, string sha256) => hub.Lookups(unit).LookupAsync(new LookupRequest
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = sha256 } },
    }).ResponseAsync;

    private async Task<List<string>> Keys(string caseId) =>
        (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why })).Identifiers.Select(i => i.Key).Order().ToList();

    [Fact]
    public async Task A_hash_another_case_imported_correlates_and_both_units_are_told()
    {
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var shared = Row();
        var beCase = await be.OpenedCase(Tlp.Green);
        Assert.Equal(0, Assert.Single(await Import(be, beCase, Row(), shared)).Correlations);
        var nlCase = await nl.OpenedCase(Tlp.Green);

        // Two keys of the row are held elsewhere (sha256 and md5; the PDQ too): one correlation per key and case.
        var result = Assert.Single(await Import(nl, nlCase, shared, Row()));

        Assert.Equal(3, result.Correlations);
        var toBe = (await hub.FeedAfter("BE-FCCU", beStart)).Where(i => i.Correlation?.YourCaseId == beCase).Select(i => i.Correlation.IdentifierKey).Order().ToList();
        Assert.Equal(["md5:" + shared.Md5, "pdq:" + shared.Pdq, "sha256:" + shared.Sha256], toBe);
    }

    /// Erasing (or restricting) a whole case reaches whoever was told of a correlation on one of its imported hashes,
    /// as it reaches those told through the case's own holdings.
    [Fact]
    public async Task Erasing_a_case_tells_the_unit_told_of_a_correlation_on_its_imported_hash()
    {
        var shared = Row();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        Assert.Single(await Import(nl, nlCase, shared));
        var beCase = await be.OpenedCase(Tlp.Green);
        var added = await be.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = beCase, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = shared.Sha256 },
        });
        Assert.Equal(1, added.Correlations);
        var beStart = await hub.Feed("BE-FCCU").LastPosition();

        await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = nlCase, Reason = "wrongly opened", LegalBasis = ErasureBasis.UnlawfulProcessing });

        var told = (await hub.FeedAfter("BE-FCCU", beStart)).Where(i => i.CaseErased is not null).Select(i => i.CaseErased).ToList();
        Assert.Equal(("NL-TBKK", beCase), (Assert.Single(told).OwnerUnit, told[0].YourCaseIds.Single()));
    }

    [Fact]
    public async Task A_later_single_add_of_an_imported_hash_correlates_with_it()
    {
        var imported = Row();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        Assert.Single(await Import(nl, nlCase, imported));
        var beCase = await be.OpenedCase(Tlp.Green);

        var added = await be.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = beCase, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = imported.Sha256 },
        });
        // The case that imported it holds it already: adding it again adds nothing and correlates with nothing.
        var again = await nl.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = nlCase, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = imported.Sha256 },
        });

        Assert.Equal(1, added.Correlations);
        Assert.Equal(0, again.Correlations);
        Assert.Equal(3, (await Keys(nlCase)).Count);
    }

    [Fact]
    public async Task An_imported_hash_of_a_red_case_is_no_hit_for_another_unit_and_a_hit_for_its_owner()
    {
        var row = Row();
        var red = await nl.OpenedCase(Tlp.Red);
        Assert.Single(await Import(nl, red, row));

        var stranger = await Lookup("US-HSI-C3", row.Sha256);
        var owner = await Lookup("NL-TBKK", row.Sha256);
        var nobody = await Lookup("US-HSI-C3", Hex(32));

        Assert.Equal((nobody.Hit, nobody.Disclosures.Count, nobody.Common), (stranger.Hit, stranger.Disclosures.Count, stranger.Common));
        Assert.Equal((true, 1), (owner.Hit, owner.Disclosures.Count));
    }

    [Fact]
    public async Task A_retracted_imported_record_is_gone_for_every_reader()
    {
        var kept = Row(flagged: true);
        var retracted = Row(flagged: true);
        var caseId = await nl.OpenedCase(Tlp.Green);
        Assert.Single(await Import(nl, caseId, kept, retracted));

        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = retracted.Sha256, Reason = "not from the seized server" });
        var retractedAgain = await Failure(() => nl.RetractMediaAsync(new RetractMediaRequest
        {
            CommandId = NewId(), CaseId = caseId, FileHash = retracted.Md5, Reason = "again",
        }).ResponseAsync);
        var alone = await Failure(() => nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = caseId, IdentifierKey = "sha256:" + kept.Sha256, Reason = "one hash of an imported record",
        }).ResponseAsync);

        Assert.Equal(["md5:" + kept.Md5, "pdq:" + kept.Pdq, "sha256:" + kept.Sha256], await Keys(caseId));
        Assert.False((await Lookup("US-HSI-C3", retracted.Sha256)).Hit);
        Assert.True((await Lookup("US-HSI-C3", kept.Sha256)).Hit);
        var provider = new HashCheckService.HashCheckServiceClient(hub.Channel(hub.CertificateOf(HashCheckTests.Provider)));
        var answers = (await provider.CheckHashesAsync(new CheckHashesRequest
        {
            Questions = { new HashQuestion { Sha256 = kept.Sha256 }, new HashQuestion { Md5 = retracted.Md5 } },
        })).Answers;
        Assert.Equal([true, false], answers.Select(a => a.Known));
        Assert.Equal((StatusCode.NotFound, "file_hash"), (retractedAgain.Code, retractedAgain.Field));
        Assert.Equal(StatusCode.FailedPrecondition, alone.Code);
    }

    private static Hash256 Flipped(Hash256 hash, int bits)
    {
        for (var k = 0; k < bits; k++) hash = hash.FlipBit(k * 7 % 256);
        return hash;
    }

    private static MediaRow WithPdq(Hash256 pdq) => new() { Sha256 = Hex(32), Pdq = pdq.ToHex(), PdqQuality = 90, Category = 1 };

    [Fact]
    public async Task An_imported_pdq_hash_30_bits_from_another_units_correlates_with_the_distance_and_32_bits_does_not()
    {
        var near = Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue)));
        var far = Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue)));
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var beCase = await be.OpenedCase(Tlp.Green);
        await be.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = beCase, Sha256 = Hex(32), Pdq = near.ToHex(), PdqQuality = 90, Category = 1 });
        await be.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = beCase, Sha256 = Hex(32), Pdq = far.ToHex(), PdqQuality = 90, Category = 1 });
        var nlCase = await nl.OpenedCase(Tlp.Green);

        var result = Assert.Single(await Import(nl, nlCase, WithPdq(Flipped(near, 30)), WithPdq(Flipped(far, 32))));

        Assert.Equal(1, result.Correlations);
        var toBe = Assert.Single((await hub.FeedAfter("BE-FCCU", beStart)).Where(i => i.Correlation?.YourCaseId == beCase).Select(i => i.Correlation));
        Assert.Equal((30, "NL-TBKK", IdentifierKind.PerceptualHash), (toBe.Distance, toBe.OtherCase.OwnerUnit, toBe.Kind));
    }

    [Fact]
    public async Task A_near_match_with_a_red_case_tells_its_owner_and_the_importer_learns_nothing()
    {
        var pdq = Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue)));
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        var red = await be.OpenedCase(Tlp.Red);
        await be.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = red, Sha256 = Hex(32), Pdq = pdq.ToHex(), PdqQuality = 90, Category = 1 });
        var nlCase = await nl.OpenedCase(Tlp.Green);

        var result = Assert.Single(await Import(nl, nlCase, WithPdq(Flipped(pdq, 30))));

        Assert.Equal(0, result.Correlations);
        Assert.DoesNotContain(await hub.FeedAfter("NL-TBKK", nlStart), i => i.Correlation?.YourCaseId == nlCase);
        var toBe = Assert.Single((await hub.FeedAfter("BE-FCCU", beStart)).Where(i => i.Correlation?.YourCaseId == red).Select(i => i.Correlation));
        Assert.Equal((30, "NL-TBKK"), (toBe.Distance, toBe.OtherCase.OwnerUnit));
    }

    [Fact]
    public async Task An_erased_case_takes_its_imported_rows_with_it()
    {
        var row = Row(flagged: true);
        var caseId = await nl.OpenedCase(Tlp.Green);
        Assert.Single(await Import(nl, caseId, row));
        Assert.True((await Lookup("US-HSI-C3", row.Sha256)).Hit);

        await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, LegalBasis = ErasureBasis.CourtOrder, Reason = "court order 2026/78" });

        Assert.False((await Lookup("US-HSI-C3", row.Sha256)).Hit);
        await using var connection = new Npgsql.NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM evidencehub.imported_media WHERE case_id = @case", connection);
        count.Parameters.AddWithValue("case", Guid.Parse(caseId));
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    /// Blind tokens for imported hash lists are off by default (Lookup:BlindTokensForHashLists; ImportedHashReadsTests
    /// turns them on): a blind lookup of an imported hash is a no-hit, the same hash by value a hit.
    [Fact]
    public async Task By_default_an_imported_hash_is_found_by_value_and_not_by_blind_token()
    {
        var row = Row();
        Assert.Single(await Import(nl, await nl.OpenedCase(Tlp.Green), row));
        var partner = hub.Lookups("US-HSI-C3");
        var token = await EvidenceHub.Tests.Lookup.OprfLookupTests.OprfToken(partner, "sha256:" + row.Sha256);
        await hub.ProjectionsCaughtUp();

        var blind = await partner.LookupAsync(new LookupRequest { Justification = Why, Identifier = new IdentifierQuery { BlindToken = token } });

        Assert.False(blind.Hit);
        Assert.True((await Lookup("US-HSI-C3", row.Sha256)).Hit);
    }

    /// A batch and a single add of the same hash to another case, at the same moment: whichever commits second sees
    /// the first (HashListLock), so exactly one of the two answers counts the correlation. Without the lock both look
    /// before either commits, and both count none (the batch is made large so that its transaction is long).
    [Fact]
    public async Task A_single_add_racing_a_batch_of_the_same_hash_correlates_exactly_once()
    {
        for (var round = 0; round < 10; round++)
        {
            var shared = Row();
            var nlCase = await nl.OpenedCase(Tlp.Green);
            var beCase = await be.OpenedCase(Tlp.Green);
            var importing = Import(nl, nlCase, [shared, .. Enumerable.Range(0, 3_000).Select(_ => new MediaRow { Sha256 = Hex(32), Md5 = Hex(16), Category = 1 })]);
            await Task.Delay(round * 4);
            var adding = be.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
            {
                CommandId = NewId(), CaseId = beCase, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = shared.Sha256 },
            }).ResponseAsync;
            var (imported, added) = (Assert.Single(await importing), await adding);
            Assert.Equal(1, imported.Correlations + added.Correlations);
        }
    }
}

/// The imported rows have a limit of their own (Limits:Cases:MaxImportedRows): a hash list larger than a case's
/// identifier limit goes in, and one past the imported-row limit is refused whole with a clear error.
public sealed class ImportedRowLimitTests(ImportedRowLimitTests.SmallLimits hub) : IClassFixture<ImportedRowLimitTests.SmallLimits>
{
    public sealed class SmallLimits : HubFixture
    {
        protected override IEnumerable<(string Key, string Value)> MoreSettings() =>
            [("Limits:Cases:MaxActiveIdentifiers", "2"), ("Limits:Cases:MaxImportedRows", "5")];
    }

    private static MediaRow Row() => new() { Sha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), Md5 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) };

    [Fact]
    public async Task A_hash_list_is_held_to_the_imported_row_limit_not_the_identifier_limit()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase(Tlp.Green);
        async Task<MediaBatchResult> Import(int rows)
        {
            using var call = nl.ImportMedia();
            await call.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = caseId, FirstRow = 1, Rows = { Enumerable.Range(0, rows).Select(_ => Row()) } });
            await call.RequestStream.CompleteAsync();
            return await call.ResponseStream.ReadAllAsync().SingleAsync();
        }

        var first = await Import(4);
        var refused = await Failure(() => Import(2));

        Assert.Equal(4, first.Added);
        Assert.Equal(StatusCode.FailedPrecondition, refused.Code);
        Assert.Equal("CASE_IMPORTED_ROWS_LIMIT", refused.Status.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        Assert.Equal(1, (await Import(1)).Added);
    }
}
