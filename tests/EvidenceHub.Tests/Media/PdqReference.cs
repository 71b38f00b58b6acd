using EvidenceHub.Media.Samples;

namespace EvidenceHub.Tests.Media;

/// <summary>pdq-reference.tsv (written by ops/pdq-reference.sh) beside the images the generator makes now.</summary>
internal static class PdqReference
{
    public sealed record Row(string File, string Kind, string Transform, string? Original, string Sha256, string Hash, int Quality);

    private static readonly Lazy<IReadOnlyList<Row>> rows = new(Load);
    private static readonly Lazy<IReadOnlyDictionary<string, SyntheticImage>> images =
        new(() => SyntheticImages.All(SyntheticImages.DefaultSeed).ToDictionary(i => i.Name));

    public static IReadOnlyList<Row> Rows => rows.Value;
    public static Row Get(string file) => Rows.Single(r => r.File == file);
    public static SyntheticImage Image(string file) => images.Value[file];

    public static TheoryData<string> Files(Func<Row, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var row in Rows.Where(where ?? (_ => true))) data.Add(row.File);
        return data;
    }

    private static IReadOnlyList<Row> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Media", "pdq-reference.tsv");
        var lines = File.ReadAllLines(path).Where(l => !l.StartsWith('#')).ToList();
        var version = File.ReadLines(path).First();
        if (!version.Contains($"SyntheticImages version {SyntheticImages.Version}, seed {SyntheticImages.DefaultSeed},"))
            throw new InvalidOperationException($"pdq-reference.tsv is for another generator ({version}); run ops/pdq-reference.sh");
        return lines.Skip(1).Select(l => l.Split('\t')).Select(f =>
            new Row(f[0], f[1], f[2], f[3] == "-" ? null : f[3], f[4], f[5], int.Parse(f[6]))).ToList();
    }
}
