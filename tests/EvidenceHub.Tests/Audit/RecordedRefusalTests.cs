using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Infrastructure;
using EvidenceHub.Tests.Limits;
using EvidenceHub.Tests.Robustness;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;
using AccessOutcome = EvidenceHub.Contracts.V1.AccessOutcome;

namespace EvidenceHub.Tests.Audit;

/// Every refusal touching case data leaves an access record: undecodable calls, undecodable Sync commands, and each
/// BatchLookup item that was not answered (bad input, no justification, over the quota), with why, never its content.
[Collection(AuditHub.Name)]
public sealed class RecordedRefusalTests(HubFixture hub)
{
    private static readonly byte[] Garbage = [0x0a, 0xff];

    [Fact]
    public async Task An_undecodable_write_is_recorded_as_refused()
    {
        var (headers, correlationId) = Correlated();
        var failure = await Assert.ThrowsAsync<RpcException>(() =>
            RawCalls.Unary<CommandResult>(hub.Channel(hub.CertificateOf("NL-TBKK")), "evidencehub.v1.CaseService", "OpenCase", Garbage, headers));
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);

        var record = Assert.Single(await RecordsOf("NL-TBKK", correlationId));
        Assert.Equal(("/evidencehub.v1.CaseService/OpenCase", AccessOutcome.Refused), (record.Operation, record.Outcome));
        Assert.Equal("/evidencehub.v1.CaseService/OpenCase: undecodable request", record.Asked);
        Assert.StartsWith("nothing (refused: InvalidArgument", record.Disclosed);
    }

    [Fact]
    public async Task An_undecodable_lookup_is_recorded_without_its_content()
    {
        var (headers, correlationId) = Correlated();
        var raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress }.ToByteArray().Concat(RawCalls.Field(2, [.. "secret"u8, .. RawCalls.InvalidUtf8])).ToArray();
        var body = new LookupRequest { Justification = new Justification { Purpose = "a justification that is not recorded" } }.ToByteArray()
            .Concat(RawCalls.Field(LookupRequest.IdentifierFieldNumber, RawCalls.Field(IdentifierQuery.RawFieldNumber, raw))).ToArray();
        var failure = await Assert.ThrowsAsync<RpcException>(() =>
            RawCalls.Unary<LookupAnswer>(hub.Channel(hub.CertificateOf("US-HSI-C3")), "evidencehub.v1.LookupService", "Lookup", body, headers));
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);

        var record = Assert.Single(await RecordsOf("US-HSI-C3", correlationId));
        Assert.Equal(AccessOutcome.Refused, record.Outcome);
        Assert.Equal("/evidencehub.v1.LookupService/Lookup: undecodable request", record.Asked);
        Assert.Equal("nothing (refused: InvalidArgument identifier.raw.value)", record.Disclosed);
        Assert.Empty(record.Justification);
        Assert.Empty(record.IdentifierKeys);
        Assert.DoesNotContain("secret", record.ToString());
    }

    [Fact]
    public async Task An_undecodable_sync_command_is_recorded_by_its_place_in_the_stream()
    {
        var (headers, correlationId) = Correlated();
        var open = OpenCase();
        using var call = RawCalls.Duplex<SyncResult>(hub.Channel(hub.CertificateOf("NL-TBKK")), "evidencehub.v1.CaseService", "Sync", headers);
        await call.RequestStream.WriteAsync(new SyncCommand { OpenCase = open }.ToByteArray());
        await call.RequestStream.WriteAsync(Garbage);
        await call.RequestStream.CompleteAsync();
        var results = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Null(results[0].Error);
        Assert.Equal((int)StatusCode.InvalidArgument, results[1].Error.Code);

        var refused = Assert.Single(await RecordsOf("NL-TBKK", correlationId), r => r.Outcome == AccessOutcome.Refused);
        Assert.Equal(("Sync", $"command {results[1].Sequence} in Sync: undecodable request"), (refused.Operation, refused.Asked));
        Assert.StartsWith("nothing (refused: InvalidArgument", refused.Disclosed);
    }

    [Fact]
    public async Task Every_batch_lookup_item_leaves_a_record_answered_or_not()
    {
        await using var limited = new LimitedHub(hub, ("Limits:LookupQuota:Units:US-HSI-C3:PerHour", "1"), ("Limits:LookupQuota:Units:US-HSI-C3:Burst", "3"));
        var (headers, correlationId) = Correlated();
        var why = new Justification { Purpose = "batch check for case NL-2024-17" };
        BatchLookupRequest Item(string id, string email, Justification? justification = null) => new()
        {
            ItemId = id,
            Justification = justification,
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } },
        };
        byte[][] items =
        [
            Item("no-justification", Unique.Email()).ToByteArray(),
            Item("answered-1", Unique.Email(), why).ToByteArray(),
            Garbage,
            Item("bad-input", "").ToByteArray(),
            Item("answered-2", Unique.Email()).ToByteArray(),
            Item("over-quota", Unique.Email()).ToByteArray(),
        ];
        using var call = RawCalls.Duplex<LookupAnswer>(limited.Channel("US-HSI-C3"), "evidencehub.v1.LookupService", "BatchLookup", headers);
        foreach (var item in items) await call.RequestStream.WriteAsync(item);
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal(
            [StatusCode.InvalidArgument, StatusCode.OK, StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.OK, StatusCode.ResourceExhausted],
            answers.Select(a => a.Error is null ? StatusCode.OK : (StatusCode)a.Error.Code));

        var records = await RecordsOf("US-HSI-C3", correlationId);
        Assert.Equal(items.Length, records.Count);
        Assert.Equal(2, records.Count(r => r.Outcome == AccessOutcome.Allowed));
        var refused = records.Where(r => r.Outcome == AccessOutcome.Refused).ToDictionary(r => r.Asked, r => r);
        Assert.Equal(
            ["an item in BatchLookup: undecodable request", "item bad-input in BatchLookup", "item no-justification in BatchLookup", "item over-quota in BatchLookup"],
            refused.Keys.Order());
        Assert.Equal("nothing (refused: InvalidArgument justification.purpose)", refused["item no-justification in BatchLookup"].Disclosed);
        Assert.Empty(refused["item no-justification in BatchLookup"].Justification);
        Assert.Equal("nothing (refused: ResourceExhausted LOOKUP_QUOTA_EXCEEDED)", refused["item over-quota in BatchLookup"].Disclosed);
        Assert.Equal(why.Purpose, refused["item over-quota in BatchLookup"].Justification);
        Assert.StartsWith("nothing (refused: InvalidArgument identifier", refused["item bad-input in BatchLookup"].Disclosed);
        Assert.All(refused.Values, r => Assert.Empty(r.IdentifierKeys));
    }

    [Fact]
    public async Task Records_of_a_stream_items_do_not_stand_for_the_call()
    {
        var accessLog = hub.Factory.Services.GetRequiredService<AccessLog>();
        var caller = new Caller("NL-TBKK", "NL", [Roles.Unit], "analyst", "CN=NL-TBKK");
        AccessEntry Entry(string asked) => new(caller, "Sync", EvidenceHub.Hub.Audit.AccessOutcome.Refused, null, asked, "nothing (test)", null, Guid.NewGuid().ToString());

        await Task.Run(async () =>
        {
            CallAccessRecording.Begin();
            await accessLog.RecordItems([Entry("an item")], CancellationToken.None);
            Assert.False(CallAccessRecording.Recorded); // the stream's own failure would still be recorded
            await accessLog.Record([Entry("the call")], CancellationToken.None);
            Assert.True(CallAccessRecording.Recorded);
        });
    }

    private static (Metadata Headers, string CorrelationId) Correlated()
    {
        var id = "refusal-" + Guid.NewGuid().ToString("N");
        return (new Metadata { { "x-correlation-id", id } }, id);
    }

    private async Task<List<AccessRecord>> RecordsOf(string unit, string correlationId) =>
        (await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = unit, From = Timestamp.FromDateTimeOffset(hub.Clock.GetUtcNow().AddMinutes(-10)) }))
        .Where(r => r.CorrelationId == correlationId).ToList();
}
