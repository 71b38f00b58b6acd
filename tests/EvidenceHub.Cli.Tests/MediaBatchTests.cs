using EvidenceHub.Cli.Import;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Tests;

/// The batches `import media` sends: their ids come from their content, so a re-run sends the same ids and another
/// list does not.
public sealed class MediaBatchTests
{
    private static readonly CaseSpec Spec = new(OffenceType.Sextortion, new SharingPolicy { Tlp = Tlp.Green, HandlingCode = HandlingCode.H0 });

    private static List<string> BatchIds(string csv, int size)
    {
        var list = MediaList.FromCsv(new StringReader(csv), "list.csv");
        var plan = MediaImportPlan.Build(list.Rows, "NL-TBKK", "NL-2026-7", Spec, providerFilter: false);
        var media = Enumerable.Range(0, plan.Commands.Count).Where(i => plan.Commands[i].Command.AddMedia is not null).ToList();
        return media.Chunk(size).Select(chunk => MediaBatchRunner.BatchOf("NL-TBKK", plan.Commands, chunk).BatchId).ToList();
    }

    [Fact]
    public void The_same_rows_make_the_same_batch_ids_and_other_rows_other_ids()
    {
        var csv = "sha256,category\n" + string.Join("\n", Enumerable.Range(0, 10).Select(i => new string((char)('a' + i), 64) + ",1"));
        var first = BatchIds(csv, 4);
        Assert.Equal(3, first.Count);
        Assert.Equal(first, BatchIds(csv, 4));
        Assert.Equal(3, first.Distinct().Count());
        Assert.NotEqual(first[0], BatchIds(csv.Replace(",1\n", ",2\n"), 4)[0]);
    }
}
