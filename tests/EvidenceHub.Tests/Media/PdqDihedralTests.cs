using EvidenceHub.Media.Pdq;

namespace EvidenceHub.Tests.Media;

/// <summary>The eight dihedral hashes from one DCT, against the reference's --pdqdih (pdq-reference-dihedral.tsv).</summary>
public class PdqDihedralTests
{
    private static readonly Dihedral?[] Columns =
        [null, Dihedral.Rotate90, Dihedral.Rotate180, Dihedral.Rotate270, Dihedral.FlipX, Dihedral.FlipY, Dihedral.FlipPlus1, Dihedral.FlipMinus1];

    private static readonly Lazy<string[][]> rows = new(() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Media", "pdq-reference-dihedral.tsv"))
            .Where(l => !l.StartsWith('#')).Skip(1).Select(l => l.Split('\t')).ToArray());

    public static TheoryData<string> Files
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var row in rows.Value) data.Add(row[0]);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_turn_and_mirror_hashes_as_in_the_reference(string file)
    {
        var expected = rows.Value.Single(r => r[0] == file);
        var (luma, height, width) = PdqHasher.DecodeLuma(new MemoryStream(PdqReference.Image(file).Bytes), PdqHasher.DefaultMaxPixels);
        var coefficients = PdqAlgorithm.Coefficients(luma, height, width, out _)!;

        for (var c = 0; c < Columns.Length; c++)
        {
            var transformed = Columns[c] is { } transform ? PdqAlgorithm.Transform(coefficients, transform) : coefficients;
            Assert.True(expected[c + 1] == PdqAlgorithm.BitsAboveMedian(transformed).ToString(), $"{file}: {Columns[c]?.ToString() ?? "original"}");
        }
    }
}
