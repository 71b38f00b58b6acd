using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Media;
using Google.Rpc;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Tests.Deciders;

/// The checks of an ImportMedia batch before anything is written, and the digest its event commits to.
public sealed class MediaBatchRowsTests
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static readonly MediaHashes Media = new(Options.Create(new MediaOptions()));
    private static readonly CaseTarget Target = new(Guid.NewGuid(), null);

    private static IReadOnlyList<MediaBatchRow> Check(MediaBatch batch, MediaImportOptions? options = null) =>
        MediaBatchRows.Check(batch, Sample.Nl, Target, Media, new CorrelationOptions(), new CaseLimits(), options ?? new MediaImportOptions());

    private static MediaBatch Batch(params MediaRow[] rows) => new() { BatchId = "b1", FirstRow = 10, Rows = { rows } };

    private static List<string> Fields(Rejection rejection) =>
        [.. rejection.Status.Details.Single(d => d.Is(BadRequest.Descriptor)).Unpack<BadRequest>().FieldViolations.Select(v => v.Field)];

    [Fact]
    public void Rows_are_canonicalised_as_AddMedia_keys_them_file_hashes_first()
    {
        var rows = Check(Batch(new MediaRow { Md5 = "9E107D9D372BB6826BD81D3542A419D6", Sha256 = Sha.ToUpperInvariant(), Pdq = new string('f', 64), PdqQuality = 80, Category = 2 }));

        Assert.Equal([$"sha256:{Sha}", "md5:9e107d9d372bb6826bd81d3542a419d6", "pdq:" + new string('f', 64)], Assert.Single(rows).Keys);
    }

    [Fact]
    public void Every_bad_row_is_named_by_its_index_and_the_file_row_in_one_refusal()
    {
        var rejection = Assert.Throws<Rejection>(() => Check(Batch(
            new MediaRow { Sha256 = Sha }, new MediaRow { Category = 1 }, new MediaRow { Sha256 = "xyz" },
            new MediaRow { Sha256 = Sha, Pdq = new string('a', 64), PdqQuality = 20 }, new MediaRow { Sha256 = Sha, Category = 100 })));

        Assert.Equal((int)Code.InvalidArgument, rejection.Status.Code);
        Assert.Equal(["rows[1].sha256", "rows[2].sha256.value", "rows[3].pdq_quality", "rows[4].category"], Fields(rejection));
        Assert.Contains("(file row 11)", rejection.Status.Details.Single().Unpack<BadRequest>().FieldViolations[0].Description);
    }

    [Fact]
    public void A_batch_beyond_the_configured_rows_or_bytes_or_with_none_is_refused()
    {
        var three = Batch(new MediaRow { Sha256 = Sha }, new MediaRow { Sha256 = Sha }, new MediaRow { Sha256 = Sha });
        Assert.Equal(["rows"], Fields(Assert.Throws<Rejection>(() => Check(three, new MediaImportOptions { MaxRowsPerBatch = 2 }))));
        Assert.Equal(["rows"], Fields(Assert.Throws<Rejection>(() => Check(three, new MediaImportOptions { MaxBatchBytes = 100 }))));
        Assert.Equal(["rows"], Fields(Assert.Throws<Rejection>(() => Check(Batch()))));
        Assert.Equal(3, Check(three, new MediaImportOptions { MaxRowsPerBatch = 3 }).Count);
    }

    [Fact]
    public void The_digest_commits_to_every_row_its_order_and_its_flags()
    {
        var a = new MediaRow { Sha256 = Sha, Category = 1 };
        var b = new MediaRow { Md5 = "9e107d9d372bb6826bd81d3542a419d6", Distributed = true };
        var digest = MediaBatchRows.Digest(Check(Batch(a, b)));

        Assert.Equal(64, digest.Length);
        Assert.Equal(digest, MediaBatchRows.Digest(Check(Batch(new MediaRow(a) { Sha256 = Sha.ToUpperInvariant() }, b))));
        Assert.NotEqual(digest, MediaBatchRows.Digest(Check(Batch(b, a))));
        Assert.NotEqual(digest, MediaBatchRows.Digest(Check(Batch(a, new MediaRow(b) { Distributed = false }))));
        Assert.NotEqual(digest, MediaBatchRows.Digest(Check(Batch(a, new MediaRow(b) { ProviderFilter = true }))));
        Assert.NotEqual(digest, MediaBatchRows.Digest(Check(Batch(new MediaRow(a) { Category = 2 }, b))));
    }
}
