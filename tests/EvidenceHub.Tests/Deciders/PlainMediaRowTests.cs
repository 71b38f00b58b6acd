using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Media;
using EvidenceHub.Media.NearMatch;
using Microsoft.Extensions.Options;
using static EvidenceHub.Tests.Deciders.Sample;

namespace EvidenceHub.Tests.Deciders;

/// A batch's row checks without a database: the plain-row shortcut takes exactly the keys AddMedia takes, and every
/// row it does not take plainly is still accepted or refused by AddMedia's own words.
public sealed class PlainMediaRowTests
{
    private static readonly MediaHashes Media = new(Options.Create(new MediaOptions()));
    private const string Sha256 = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
    private const string Md5 = "0cc175b9c0f1b6a831c399e269772661";

    private static IReadOnlyList<MediaBatchRow> Check(params MediaRow[] rows) => MediaBatchRows.Check(
        new MediaBatch { BatchId = "b", CaseId = Guid.NewGuid().ToString(), FirstRow = 1, Rows = { rows } }, Nl, On(Guid.NewGuid()), Media,
        new CorrelationOptions(), new CaseLimits(), new MediaImportOptions());

    private static IReadOnlyList<string> AddMediaKeys(MediaRow row) => AddMedia.From(new AddMediaRequest
    {
        CommandId = "c", Sha256 = row.Sha256, Sha1 = row.Sha1, Md5 = row.Md5, Pdq = row.Pdq, PdqQuality = row.PdqQuality, Category = row.Category,
    }, Nl, On(Guid.NewGuid()), Media, new CorrelationOptions(), new CaseLimits()).Keys;

    [Theory]
    [InlineData(Sha256, "", Md5, "", 0)]
    [InlineData("", "", Md5, "", 0)]
    [InlineData(" sha256:" + Sha256 + " ", "", "", "", 0)]
    [InlineData(Sha256, "", "", "AB", 90)]
    public void A_row_has_the_keys_AddMedia_gives_it(string sha256, string sha1, string md5, string pdqSeed, int quality)
    {
        var pdq = pdqSeed.Length == 0 ? "" : Hash256.Random(new Random(pdqSeed.GetHashCode())).ToHex().ToUpperInvariant();
        var row = new MediaRow { Sha256 = sha256, Sha1 = sha1, Md5 = md5, Pdq = pdq, PdqQuality = quality, Category = 1 };

        Assert.Equal(AddMediaKeys(row), Assert.Single(Check(row)).Keys);
    }

    [Theory]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, "rows[0].sha256.value")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", 0, "rows[0].sha256.value")]
    [InlineData(Sha256 + "0", 0, "rows[0].sha256.value")]
    [InlineData(Sha256, 100, "rows[0].category")]
    public void A_row_AddMedia_refuses_is_refused_naming_its_field(string sha256, int category, string field)
    {
        var refused = Assert.Throws<Rejection>(() => Check(new MediaRow { Sha256 = sha256, Category = category }));

        Assert.Equal(field, refused.Status.Details.Single(d => d.Is(Google.Rpc.BadRequest.Descriptor)).Unpack<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
    }
}
