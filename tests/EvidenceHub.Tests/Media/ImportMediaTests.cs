using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Media.NearMatch;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// ImportMedia over real gRPC and PostgreSQL: a batch lands as the same media records and identifiers AddMedia makes,
/// as one event; a retry appends nothing; a bad row refuses the whole batch; another unit's case answers like none;
/// a hash another unit holds correlates both ways. Every test uses hashes of its own.
public sealed class ImportMediaTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly Justification Why = new() { Purpose = "Hash list from a seized server", CaseReference = "NL-2026-0042" };
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static MediaRow Row(bool flagged = false) => new()
    {
        Sha256 = Hex(32), Md5 = Hex(16), Pdq = Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue))).ToHex(), PdqQuality = 90,
        Category = 1, Distributed = true, ProviderFilter = flagged,
    };

    private static MediaBatch Batch(string caseId, params MediaRow[] rows) => new() { BatchId = NewId(), CaseId = caseId, FirstRow = 1, Rows = { rows } };

    private async Task<List<MediaBatchResult>> Import(CaseService.CaseServiceClient cases, params MediaBatch[] batches)
    {
        using var call = cases.ImportMedia();
        foreach (var batch in batches) await call.RequestStream.WriteAsync(batch);
        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    private async Task<List<string>> EventTypes(string caseId)
    {
        using var replay = hub.Audit("EU-AUDIT").ReplayCase(new ReplayCaseRequest { CaseId = caseId, Justification = Why });
        return (await replay.ResponseStream.ReadAllAsync().ToListAsync()).Select(e => e.EventType).ToList();
    }

    private async Task<List<string>> Identifiers(CaseService.CaseServiceClient cases, string caseId) =>
        (await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why })).Identifiers.Select(i => i.Key).Order().ToList();

    [Fact]
    public async Task A_batch_is_one_event_and_its_records_are_seen_like_AddMedia_records()
    {
        var imported = await nl.OpenedCase(Tlp.Green);
        var added = await nl.OpenedCase(Tlp.Green);
        var rows = new[] { Row(flagged: true), Row(), Row() };

        var result = Assert.Single(await Import(nl, Batch(imported, rows)));
        foreach (var row in rows)
            await nl.AddMediaAsync(new AddMediaRequest
            {
                CommandId = NewId(), CaseId = added, Sha256 = row.Sha256, Md5 = row.Md5, Pdq = row.Pdq, PdqQuality = row.PdqQuality, Category = row.Category,
                Distributed = row.Distributed, ProviderFilter = row.ProviderFilter,
            });

        Assert.Equal((3, 3, false, 2L), (result.Rows, result.Added, result.Replayed, result.Version));
        Assert.Equal(64, result.RowsSha256.Length);
        Assert.Equal(["case_opened", "media_batch_imported"], await EventTypes(imported));
        var keys = await Identifiers(nl, imported);
        Assert.Equal(9, keys.Count);
        Assert.Equal(keys, await Identifiers(nl, added));

        // The provider hash check knows the flagged row's hashes, and only those.
        var provider = new HashCheckService.HashCheckServiceClient(hub.Channel(hub.CertificateOf(HashCheckTests.Provider)));
        var answers = (await provider.CheckHashesAsync(new CheckHashesRequest
        {
            Questions = { new HashQuestion { Sha256 = rows[0].Sha256 }, new HashQuestion { Pdq = rows[0].Pdq }, new HashQuestion { Sha256 = rows[1].Sha256 } },
        })).Answers;
        Assert.Equal([true, true, false], answers.Select(a => a.Known));

        // A lookup by another unit hits both cases.
        var lookup = await hub.Lookups("US-HSI-C3").LookupAsync(new LookupRequest
        {
            Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = rows[2].Sha256 } },
        });
        Assert.Equal((true, 2), (lookup.Hit, lookup.Disclosures.Count));
    }

    [Fact]
    public async Task A_retried_batch_answers_its_stored_result_and_appends_nothing()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var batch = Batch(caseId, Row(), Row());
        var first = Assert.Single(await Import(nl, batch));
        var again = Assert.Single(await Import(nl, batch));

        Assert.Equal((false, true), (first.Replayed, again.Replayed));
        Assert.Equal((first.Added, first.Version, first.RowsSha256), (again.Added, again.Version, again.RowsSha256));
        Assert.Equal(["case_opened", "media_batch_imported"], await EventTypes(caseId));

        // The same rows under a new batch id are one more event, with no new record.
        var rerun = Assert.Single(await Import(nl, new MediaBatch(batch) { BatchId = NewId() }));
        Assert.Equal((2, 0), (rerun.Rows, rerun.Added));
        Assert.Equal(6, (await Identifiers(nl, caseId)).Count);
    }

    /// A file row goes into GetCase's page tokens (at most 18 digits), and first_row plus the rows must not wrap.
    [Theory]
    [InlineData(-1L)]
    [InlineData(100_000_000_000_000_001L)]
    [InlineData(long.MaxValue)]
    public async Task A_first_row_out_of_range_is_refused_naming_it(long firstRow)
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var batch = Batch(caseId, Row(), Row());
        batch.FirstRow = firstRow;

        var failure = await Failure(() => Import(nl, batch));

        Assert.Equal((StatusCode.InvalidArgument, "first_row"), (failure.Code, failure.Field));
        Assert.Equal(["case_opened"], await EventTypes(caseId));
    }

    [Fact]
    public async Task A_bad_row_refuses_the_whole_batch_naming_the_row()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var bad = Row();
        bad.Sha256 = "not-a-hash";
        var lowQuality = Row();
        lowQuality.PdqQuality = 10;

        var failure = await Failure(() => Import(nl, Batch(caseId, Row(), bad, Row(), lowQuality)));

        Assert.Equal((StatusCode.InvalidArgument, "rows[1].sha256.value"), (failure.Code, failure.Field));
        Assert.Equal(["rows[1].sha256.value", "rows[3].pdq_quality"],
            failure.Status.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Field));
        Assert.Empty(await Identifiers(nl, caseId));
        Assert.Equal(["case_opened"], await EventTypes(caseId));
    }

    [Fact]
    public async Task Another_units_case_answers_like_a_case_that_does_not_exist()
    {
        var theirs = await be.OpenedCase(Tlp.Green);
        var missing = Guid.NewGuid().ToString();

        var onTheirs = await Failure(() => Import(nl, Batch(theirs, Row())));
        var onMissing = await Failure(() => Import(nl, Batch(missing, Row())));

        Assert.Equal((StatusCode.NotFound, "case_id"), (onTheirs.Code, onTheirs.Field));
        Assert.Equal((onMissing.Code, onMissing.Field), (onTheirs.Code, onTheirs.Field));
        Assert.Equal(onMissing.Status.Message.Replace(missing, theirs), onTheirs.Status.Message);
        Assert.Equal(["case_opened"], await EventTypes(theirs));
    }

    [Fact]
    public async Task A_hash_another_unit_holds_correlates_and_both_units_are_told()
    {
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var beCase = await be.OpenedCase(Tlp.Green);
        var shared = Row();
        await be.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = beCase, Sha256 = shared.Sha256, Category = 1 });
        var nlCase = await nl.OpenedCase(Tlp.Green);

        var result = Assert.Single(await Import(nl, Batch(nlCase, Row(), shared, Row())));

        Assert.Equal(1, result.Correlations);
        var toNl = (await hub.FeedAfter("NL-TBKK", nlStart)).Where(i => i.Correlation?.YourCaseId == nlCase).Select(i => i.Correlation).ToList();
        var toBe = (await hub.FeedAfter("BE-FCCU", beStart)).Where(i => i.Correlation?.YourCaseId == beCase).Select(i => i.Correlation).ToList();
        Assert.Equal(("BE-FCCU", "sha256:" + shared.Sha256), (Assert.Single(toNl).OtherCase.OwnerUnit, toNl[0].IdentifierKey));
        Assert.Equal("NL-TBKK", Assert.Single(toBe).OtherCase.OwnerUnit);
    }
}
