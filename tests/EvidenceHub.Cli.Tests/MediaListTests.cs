using EvidenceHub.Cli.Import;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Tests;

/// The hash-list readers and the plan they feed, without a hub: VICS 2.0 JSON and ICSE-style CSV, and malformed input.
public sealed class MediaListTests
{
    private const string Md5 = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
    private const string Sha1 = "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3";
    private const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    private static readonly CaseSpec Spec = new(OffenceType.Sextortion, new SharingPolicy { Tlp = Tlp.Amber, HandlingCode = HandlingCode.H2 });

    private static MediaList.Read Read(string text) => MediaList.From(new StringReader(text), "list");

    private static readonly string Vics = $$"""
        {
          "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",
          "value": [
            {
              "CaseNumber": "TBKK-2026-7",
              "Media": [
                { "MediaID": 1, "Category": 1, "MD5": "{{Md5}}", "SHA1": "{{Sha1}}", "VictimIdentified": true, "OffenderIdentified": "false", "IsDistributed": "true",
                  "PhotoDNA": "AAAA", "MediaFiles": [ { "FileName": "x.jpg" } ] },
                { "MediaID": 2, "Category": null, "MD5": "{{Md5.ToLowerInvariant()}}", "PDQ": "{{Pdq}}", "PDQQuality": 90 }
              ]
            },
            { "CaseNumber": "other", "Media": [ { "MediaID": 3, "SHA1": "{{Sha1}}", "Category": 2 } ] }
          ]
        }
        """;

    [Fact]
    public void A_vics_document_gives_every_media_record_of_every_case_with_its_flags_in_file_order()
    {
        var list = Read(Vics);
        Assert.Equal("VICS JSON", list.Format);
        Assert.Equal([1, 2, 3], list.Rows.Select(r => r.Line));
        var first = MediaImportPlan.Media(list.Rows[0], providerFilter: false);
        Assert.Equal((Md5, Sha1, 1, true, false, true), (first.Md5, first.Sha1, first.Category, first.VictimIdentified, first.OffenderIdentified, first.Distributed));
        var second = MediaImportPlan.Media(list.Rows[1], providerFilter: true);
        Assert.Equal((Pdq, 90, 0, true), (second.Pdq, second.PdqQuality, second.Category, second.ProviderFilter));
        Assert.Equal(2, MediaImportPlan.Media(list.Rows[2], false).Category);
    }

    [Fact]
    public void A_csv_list_reads_by_its_header_and_names_each_row_by_its_line()
    {
        var list = Read($"md5,sha1,category,victim_identified,distributed,pdq,pdq_quality\n{Md5},{Sha1},1,yes,1,{Pdq},80\n{Md5},,0,,,,\n");
        Assert.Equal("CSV", list.Format);
        Assert.Equal([2, 3], list.Rows.Select(r => r.Line));
        var media = MediaImportPlan.Media(list.Rows[0], false);
        Assert.Equal((Md5, Sha1, 1, true, true, Pdq, 80), (media.Md5, media.Sha1, media.Category, media.VictimIdentified, media.Distributed, media.Pdq, media.PdqQuality));
    }

    [Fact]
    public void The_plan_opens_a_referenced_case_once_and_derives_every_command_id_from_the_content()
    {
        var rows = Read(Vics).Rows;
        var plan = MediaImportPlan.Build(rows, "NL-TBKK", "TBKK-2026-7", Spec, providerFilter: false);
        Assert.Equal([SyncCommand.CommandOneofCase.OpenCase, .. Enumerable.Repeat(SyncCommand.CommandOneofCase.AddMedia, 3)], plan.Commands.Select(c => c.Command.CommandCase));
        Assert.All(plan.Commands.Skip(1), c => Assert.Equal("TBKK-2026-7", c.Command.AddMedia.CaseReference));
        var again = MediaImportPlan.Build(Read(Vics).Rows, "NL-TBKK", "TBKK-2026-7", Spec, providerFilter: false);
        Assert.Equal(plan.Commands.Select(c => CommandId(c.Command)), again.Commands.Select(c => CommandId(c.Command)));
        // Another case, another unit, or another flag: other commands.
        Assert.NotEqual(CommandId(plan.Commands[1].Command), CommandId(MediaImportPlan.Build(rows, "NL-TBKK", "TBKK-2026-8", Spec, false).Commands[1].Command));
        Assert.NotEqual(CommandId(plan.Commands[1].Command), CommandId(MediaImportPlan.Build(rows, "NL-TBKK", "TBKK-2026-7", Spec, true).Commands[1].Command));
        var byId = MediaImportPlan.Build(rows, "NL-TBKK", Guid.NewGuid().ToString(), Spec, false);
        Assert.Equal(SyncCommand.CommandOneofCase.AddMedia, byId.Commands[0].Command.CommandCase);
    }

    private static string CommandId(SyncCommand command) => command.OpenCase?.CommandId ?? command.AddMedia.CommandId;

    [Fact]
    public void Malformed_records_are_refused_by_their_place_naming_the_field_and_the_rest_is_planned()
    {
        var list = Read($"sha256,md5,category,victim_identified,pdq,pdq_quality\n,{Md5},100,,,\n,{Md5},1,maybe,,\n,,1,,,\n,{Md5},1,,{Pdq},\n,{Md5},1,,,70\n,{Md5},1,,,\n");
        var plan = MediaImportPlan.Build(list.Rows, "NL-TBKK", "R-1", Spec, false);
        var reasons = plan.Refused.ToDictionary(r => r.Key.Line, r => r.Value);
        Assert.Equal([2, 3, 4, 5, 6], reasons.Keys.Order());
        Assert.StartsWith("category:", reasons[2]);
        Assert.StartsWith("victim_identified:", reasons[3]);
        Assert.StartsWith("sha256:", reasons[4]);
        Assert.StartsWith("pdq_quality:", reasons[5]);
        Assert.StartsWith("pdq_quality:", reasons[6]);
        Assert.Equal(2, plan.Commands.Count);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("md5,colour\n", "unknown column")]
    [InlineData("category,victim_identified\n1,true\n", "no hash column")]
    [InlineData("{ \"value\": [ { \"Media\": [ ", "not valid JSON")]
    [InlineData("{ \"value\": [ { \"CaseNumber\": \"x\" } ] }", "no \"Media\"")]
    [InlineData("{ \"value\": [ { \"Media\": 7 } ] }", "not an array")]
    [InlineData("[ 1, 2 ]", "no \"Media\"")]
    public void A_file_that_is_no_hash_list_is_refused_as_a_whole(string text, string reason)
    {
        var refusal = Assert.Throws<UsageException>(() => Read(text));
        Assert.Contains(reason, refusal.Message);
    }

    [Fact]
    public void A_vics_media_entry_that_is_no_object_is_refused_by_its_position()
    {
        var list = Read($$"""{ "value": [ { "Media": [ { "MD5": "{{Md5}}" }, 42 ] } ] }""");
        var plan = MediaImportPlan.Build(list.Rows, "NL-TBKK", "R-1", Spec, false);
        Assert.Equal(2, Assert.Single(plan.Refused).Key.Line);
    }
}
