using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Robustness;

/// Bytes that do not decode as the request are INVALID_ARGUMENT naming the field, on unary calls and in streams,
/// where the undecodable item fails alone.
[Collection(RobustnessHub.Name)]
public sealed class UndecodableMessageTests(HubFixture hub)
{
    private const string Cases = "evidencehub.v1.CaseService";

    public static TheoryData<string, byte[], string> Bodies => new()
    {
        { "garbage 0a ff", [0x0a, 0xff], "command_id" },
        { "invalid UTF-8 in reference", [.. OpenCase().ToByteArray(), .. RawCalls.Field(3, RawCalls.InvalidUtf8)], "reference" },
        { "truncated", OpenCase().ToByteArray()[..^3], "sharing_policy" },
        { "tag zero", [0x00, 0x01], "(message)" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task An_undecodable_unary_request_is_invalid_argument(string scenario, byte[] body, string field)
    {
        var channel = hub.Channel(hub.CertificateOf("NL-TBKK"));
        var failure = await Failure(() => RawCalls.Unary<CommandResult>(channel, Cases, "OpenCase", body));
        Assert.True((StatusCode.InvalidArgument, field) == (failure.Code, failure.Field), $"{scenario}: got {failure.Code} on {failure.Field}");
    }

    [Fact]
    public async Task Invalid_utf8_deep_in_a_lookup_names_the_field()
    {
        var channel = hub.Channel(hub.CertificateOf("US-HSI-C3"));
        var raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress }.ToByteArray().Concat(RawCalls.Field(2, RawCalls.InvalidUtf8)).ToArray();
        var body = RawCalls.Field(LookupRequest.IdentifierFieldNumber, RawCalls.Field(IdentifierQuery.RawFieldNumber, raw));
        var failure = await Failure(() => RawCalls.Unary<LookupAnswer>(channel, "evidencehub.v1.LookupService", "Lookup", body));
        Assert.Equal((StatusCode.InvalidArgument, "identifier.raw.value"), (failure.Code, failure.Field));
    }

    [Fact]
    public async Task An_undecodable_sync_command_fails_alone()
    {
        var nl = hub.Cases("NL-TBKK");
        var open = OpenCase();
        var channel = hub.Channel(hub.CertificateOf("NL-TBKK"));
        using var call = RawCalls.Duplex<SyncResult>(channel, Cases, "Sync");
        byte[][] items =
        [
            new SyncCommand { OpenCase = open }.ToByteArray(),
            [0x0a, 0xff],
            RawCalls.Field(2, [.. AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, "x@example.com").ToByteArray(), .. RawCalls.Field(2, RawCalls.InvalidUtf8)]),
            new SyncCommand { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, "kept@example.com") }.ToByteArray(),
        ];
        foreach (var item in items) await call.RequestStream.WriteAsync(item);
        await call.RequestStream.CompleteAsync();
        var results = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal([null, (int)StatusCode.InvalidArgument, (int)StatusCode.InvalidArgument, null], results.Select(r => r.Error?.Code));
        Assert.Equal("add_suspect_identifier.case_id", results[2].Error.Details.Select(d => d.Unpack<Google.Rpc.BadRequest>()).Single().FieldViolations[0].Field);
        var stored = await nl.GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "test" } });
        Assert.Equal(["kept@example.com"], stored.Identifiers.Select(i => i.CanonicalValue));
    }

    [Fact]
    public async Task An_undecodable_batch_item_fails_alone()
    {
        var channel = hub.Channel(hub.CertificateOf("US-HSI-C3"));
        using var call = RawCalls.Duplex<LookupAnswer>(channel, "evidencehub.v1.LookupService", "BatchLookup");
        var email = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "nobody@example.com" } };
        await call.RequestStream.WriteAsync(new BatchLookupRequest { ItemId = "a", Justification = new Justification { Purpose = "raw test" }, Identifier = email }.ToByteArray());
        await call.RequestStream.WriteAsync([0x1a, 0x05, 0x41]);
        await call.RequestStream.WriteAsync(new BatchLookupRequest { ItemId = "c", Identifier = email }.ToByteArray());
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal([null, (int)StatusCode.InvalidArgument, null], answers.Select(a => a.Error?.Code));
        Assert.Equal(["a", "", "c"], answers.Select(a => a.ItemId));
    }
}
