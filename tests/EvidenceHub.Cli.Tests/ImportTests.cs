using System.Text;
using EvidenceHub.Cli.Import;
using EvidenceHub.Cli.Tests.Infrastructure;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Tests;

public sealed class ImportTests(CliHub hub) : IClassFixture<CliHub>
{
    private string File(string name, string text)
    {
        var path = Path.Combine(hub.Root, $"{Guid.NewGuid():N}-{name}");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// Identifiers and victims of one case: a handle per identifier row, each victim contacted by one of them.
    private static string Rows(string reference, int identifiers, int victims, string? prefix = null)
    {
        prefix ??= Unique.Handle();
        var csv = new StringBuilder("case,kind,value,platform,victim,age_band,country,first_contact,contacted_by\n");
        for (var i = 0; i < identifiers; i++) csv.AppendLine($"{reference},account,@{prefix}_{i},snapchat,,,,,");
        for (var v = 0; v < victims; v++) csv.AppendLine($"{reference},,,,V-{v:D4},13-15,NL,2024-03-{v % 28 + 1:D2},account:snapchat:{prefix}_{v % identifiers}");
        return csv.ToString();
    }

    private async Task<Case> CaseOf(string unit, string reference)
    {
        using var connection = hub.Connect(unit);
        // The hub answers in pages: gather the whole case.
        var request = new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "test check" }, PageSize = 5_000 };
        var file = await connection.Cases.GetCaseAsync(request);
        for (var page = file; page.NextPageToken != "";)
        {
            request.PageToken = page.NextPageToken;
            page = await connection.Cases.GetCaseAsync(request);
            file.Identifiers.AddRange(page.Identifiers);
            file.VictimLinks.AddRange(page.VictimLinks);
        }
        return file;
    }

    [Fact]
    public async Task Rejected_rows_are_reported_with_their_line_and_reason_and_the_rest_is_imported()
    {
        var reference = Unique.Reference("IMP");
        var handle = Unique.Handle();
        var path = File("mixed.csv", $"""
            case,kind,value,platform,victim,age_band,country,first_contact,contacted_by
            {reference},account,@{handle},instagram,,,,,
            {reference},iban,NL91 ABNA 0417 1643 01,,,,,,
            {reference},fax,12345,,,,,,
            ,phone,+31612345678,,,,,,
            {reference},,,,V-1,13-15,NL,2024-02-30,
            {reference},,,,V-2,teen,NL,2024-02-01,
            {reference},,,,V-3,16-17,NL,2024-02-01,account:instagram:somebody_else
            {reference},,,,V-4,16-17,NL,2024-02-01,account:instagram:{handle}
            "{reference}",email,"Offender.{handle}@Example.com",,,,,,

            """);

        var run = await hub.Run("NL-TBKK", "import", path, "--tlp", "green");
        Assert.True(run.Code == ExitCodes.Partial, run.ToString());
        Assert.Contains("rejected", run.Out);
        var rejectedPath = Path.ChangeExtension(path, null) + ".rejected.csv";
        var rejected = Csv.Read(new StringReader(System.IO.File.ReadAllText(rejectedPath))).ToList();
        Assert.Equal(["line", "reason", "case", "kind"], rejected[0].Fields.Take(4));
        var reasons = rejected.Skip(1).ToDictionary(r => int.Parse(r.Fields[0]), r => r.Fields[1]);
        Assert.Equal([3, 4, 5, 6, 7, 8], reasons.Keys.Order());
        Assert.Contains("identifier.value", reasons[3]);
        Assert.Contains("mod-97", reasons[3]);
        Assert.Contains("kind", reasons[4]);
        Assert.Contains("case", reasons[5]);
        Assert.Contains("first_contact", reasons[6]);
        Assert.Contains("age_band", reasons[7]);
        Assert.Contains("contacted_by", reasons[8]);
        Assert.Equal(reference, rejected[1].Fields[2]);

        var file = await CaseOf("NL-TBKK", reference);
        Assert.Equal([$"account:instagram:{handle}", $"email:offender.{handle}@example.com"], file.Identifiers.Select(i => i.Key).Order());
        Assert.Equal(["V-4"], file.VictimLinks.Select(v => v.VictimReference));
    }

    [Fact]
    public async Task A_rerun_after_a_partial_import_adds_only_what_was_missing()
    {
        var reference = Unique.Reference("IMP");
        var prefix = Unique.Handle();
        var full = Rows(reference, identifiers: 60, victims: 60, prefix);
        var lines = full.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The first run saw only the first half of the file (the export was still being written).
        var half = File("half.csv", string.Join('\n', lines.Take(61)) + "\n");
        var first = await hub.Run("NL-TBKK", "--json", "import", half, "--tlp", "amber");
        Assert.True(first.Code == ExitCodes.Ok, first.ToString());
        Assert.Equal(60, first.Json()[0].GetProperty("applied").GetInt32());

        var whole = File("whole.csv", full);
        var second = await hub.Run("NL-TBKK", "--json", "import", whole, "--tlp", "amber");
        Assert.True(second.Code == ExitCodes.Ok, second.ToString());
        var summary = second.Json()[0];
        Assert.Equal(60, summary.GetProperty("replayed").GetInt32());
        Assert.Equal(60, summary.GetProperty("applied").GetInt32());
        Assert.Equal(1, summary.GetProperty("casesAlreadyOpen").GetInt32());

        var file = await CaseOf("NL-TBKK", reference);
        Assert.Equal(60, file.Identifiers.Count);
        Assert.Equal(60, file.VictimLinks.Count);
    }

    [Fact]
    public async Task An_import_interrupted_midway_resumes_without_duplicates()
    {
        var reference = Unique.Reference("IMP");
        var path = File("big.csv", Rows(reference, identifiers: 1500, victims: 1500));

        // Interrupt the first run (as Ctrl+C would) once the hub has applied part of it.
        using var interrupt = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            using var connection = hub.Connect("NL-TBKK");
            while (!interrupt.IsCancellationRequested)
            {
                try
                {
                    var file = await connection.Cases.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "watching the import" } });
                    if (file.Version > 200) { interrupt.Cancel(); return; }
                }
                catch (Grpc.Core.RpcException) { }
                await Task.Delay(20);
            }
        });
        var first = await hub.Run("NL-TBKK", ["import", path], interrupt.Token);
        interrupt.Cancel();
        await watching;
        Assert.True(first.Code is ExitCodes.Interrupted, first.ToString());
        Assert.Contains("run the same import again", first.Error);

        var second = await hub.Run("NL-TBKK", "--json", "import", path);
        Assert.True(second.Code == ExitCodes.Ok, second.ToString());
        var summary = second.Json()[0];
        Assert.Equal(3000, summary.GetProperty("applied").GetInt32() + summary.GetProperty("replayed").GetInt32());
        Assert.True(summary.GetProperty("replayed").GetInt32() >= 150, second.ToString());

        var third = await hub.Run("NL-TBKK", "--json", "import", path);
        Assert.Equal(3000, third.Json()[0].GetProperty("replayed").GetInt32());

        var stored = await CaseOf("NL-TBKK", reference);
        Assert.Equal(1500, stored.Identifiers.Count);
        Assert.Equal(1500, stored.VictimLinks.Count);
        Assert.Equal(1500, stored.VictimLinks.Select(v => v.VictimReference).Distinct().Count());
        Assert.Equal(1 + 1500 + 1500, stored.Version);
    }

    [Fact]
    public async Task A_file_without_a_case_column_or_with_unknown_columns_is_a_usage_error()
    {
        var noCase = await hub.Run("NL-TBKK", "import", File("bad.csv", "kind,value\nphone,+31612345678\n"));
        Assert.Equal(ExitCodes.Usage, noCase.Code);
        Assert.Contains("'case'", noCase.Error);
        var unknown = await hub.Run("NL-TBKK", "import", File("bad.csv", "case,kind,value,colour\nX,phone,+31612345678,red\n"));
        Assert.Equal(ExitCodes.Usage, unknown.Code);
        Assert.Contains("colour", unknown.Error);
        var dry = await hub.Run("NL-TBKK", "import", File("dry.csv", "case,kind,value\nX,phone,+31612345678\nX,fax,1\n"), "--dry-run");
        Assert.Equal(ExitCodes.Partial, dry.Code);
        Assert.Contains("would send 2 commands", dry.Out);
    }
}
