using System.Collections.Concurrent;
using System.Diagnostics;
using CsCheck;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static EvidenceHub.Tests.Infrastructure.Commands;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace EvidenceHub.Tests.Fuzz;

/// Malformed messages for every RPC, generated from the proto descriptors, over unary calls and server streams, and
/// mixed into Sync and BatchLookup streams beside valid commands. Never UNKNOWN or INTERNAL (nor UNAVAILABLE or
/// UNIMPLEMENTED: the store is up and every method exists), every valid neighbour answered, and a rejected request
/// changes nothing.
[LongRunning]
public sealed class FuzzTests(HubFixture hub, ITestOutputHelper output) : IClassFixture<HubFixture>
{
    private static readonly ServiceDescriptor[] Services =
        [CaseService.Descriptor, LookupService.Descriptor, FeedService.Descriptor, AuditService.Descriptor, HashCheckService.Descriptor, TakedownService.Descriptor];
    private static readonly StatusCode[] Forbidden = [StatusCode.Unknown, StatusCode.Internal, StatusCode.Unavailable, StatusCode.Unimplemented, StatusCode.DataLoss];
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private static readonly ConcurrentDictionary<StatusCode, int> Histogram = new();

    /// A caller each RPC admits, so that the fuzz gets past authorization: a takedown request's history is read by
    /// units, everything else of TakedownService is the providers'.
    private GrpcChannel ChannelFor(MethodDescriptor method) =>
        hub.Channel(hub.CertificateOf(method.Service == AuditService.Descriptor ? "EU-AUDIT"
            : method.Service == HashCheckService.Descriptor || method.Service == TakedownService.Descriptor && method.Name is not ("GetTakedownRequest" or "ListTakedownRequests") ? "NL-HOSTER-1"
            : "CA-RCMP-NCECC"));

    private async Task<long> StateEvents()
    {
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        // Access records are events too (a refusal is recorded), and Marten fills the sequence numbers of a failed
        // transaction with tombstones: neither is a change of state.
        return (await session.QueryAsync<long>("select count(*) from evidencehub.mt_events where type not in ('access_recorded', 'tombstone')")).Single();
    }

    private async Task<string> EventTypes()
    {
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return string.Join(", ", await session.QueryAsync<string>("select type || ' ' || count(*) from evidencehub.mt_events group by type"));
    }

    private static Method<byte[], byte[]> Raw(MethodDescriptor method) => new(
        method.IsClientStreaming && method.IsServerStreaming ? MethodType.DuplexStreaming
        : method.IsServerStreaming ? MethodType.ServerStreaming
        : method.IsClientStreaming ? MethodType.ClientStreaming : MethodType.Unary,
        method.Service.FullName, method.Name, Bytes, Bytes);

    /// Sends the bytes as one request; returns the status it ends with.
    private static async Task<StatusCode> Send(GrpcChannel channel, MethodDescriptor method, byte[] request)
    {
        var invoker = channel.CreateCallInvoker();
        using var stop = new CancellationTokenSource(method.Name == "Subscribe" ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(30));
        var options = new CallOptions(cancellationToken: stop.Token);
        try
        {
            if (method.IsClientStreaming)
            {
                using var call = invoker.AsyncDuplexStreamingCall(Raw(method), null, options);
                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
                await foreach (var _ in call.ResponseStream.ReadAllAsync(stop.Token)) { }
            }
            else if (method.IsServerStreaming)
            {
                using var call = invoker.AsyncServerStreamingCall(Raw(method), null, options, request);
                await foreach (var _ in call.ResponseStream.ReadAllAsync(stop.Token)) { }
            }
            else await invoker.AsyncUnaryCall(Raw(method), null, options, request);
            return StatusCode.OK;
        }
        catch (RpcException failed) when (failed.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested && method.Name == "Subscribe")
        {
            return StatusCode.OK; // a valid subscription follows the feed until the client leaves
        }
        catch (RpcException failed) { return failed.StatusCode; }
        catch (OperationCanceledException) when (method.Name == "Subscribe") { return StatusCode.OK; }
    }

    private static bool Writes(MethodDescriptor method) => method.Service == CaseService.Descriptor && method.Name != "GetCase";

    [Fact]
    public async Task Malformed_requests_for_every_rpc_get_precise_statuses_and_change_nothing()
    {
        var started = Stopwatch.StartNew();
        var caseId = await hub.Cases("CA-RCMP-NCECC").OpenedCase();
        var messages = new MalformedMessages(caseId);
        var methods = Services.SelectMany(s => s.Methods).ToArray();
        var channels = methods.ToDictionary(m => m, ChannelFor);
        var failures = new List<string>();

        // Each case: which RPC, whether to spoil a field or the bytes, which field or where, and how.
        var cases = Gen.Select(Gen.Int[0, methods.Length - 1], Gen.Bool, Gen.Int[0, 1000], Gen.Int[0, 1000]);
        await cases.SampleAsync(async c =>
        {
            var (methodIndex, onTheWire, where, how) = c;
            var method = methods[methodIndex];
            var sample = messages.Sample(method.InputType);
            byte[] bytes;
            string what;
            if (onTheWire) (bytes, what) = MalformedMessages.MutateWire(sample, how, where);
            else
            {
                what = MalformedMessages.Mutate(sample, where, how);
                bytes = sample.ToByteArray();
            }
            var before = Writes(method) ? await StateEvents() : 0;
            var code = await Send(channels[method], method, bytes);
            Histogram.AddOrUpdate(code, 1, (_, n) => n + 1);
            if (Forbidden.Contains(code)) failures.Add($"{method.Name} with {what}: {code}");
            if (code != StatusCode.OK && Writes(method) && await StateEvents() != before)
                failures.Add($"{method.Name} with {what}: refused with {code} but changed the state: {await EventTypes()}");
        }, iter: 1200, threads: 1, seed: Environment.GetEnvironmentVariable("EVIDENCEHUB_FUZZ_SEED"));

        output.WriteLine($"unary and server-stream fuzz: {started.Elapsed.TotalSeconds:F1} s");
        PrintHistogram();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public async Task Malformed_items_in_sync_and_batch_lookup_fail_alone()
    {
        var started = Stopwatch.StartNew();
        var failures = new List<string>();
        var unit = hub.Channel(hub.CertificateOf("CA-RCMP-NCECC"));
        var invoker = unit.CreateCallInvoker();
        var sync = CaseService.Descriptor.FindMethodByName("Sync");
        var batch = LookupService.Descriptor.FindMethodByName("BatchLookup");

        var streams = Gen.Int[0, 1000].Array[10, 30];
        await streams.SampleAsync(async spoilers =>
        {
            // Sync: a case of its own, valid adds to it, and a spoiled command after every second one.
            var open = OpenCase();
            var messages = new MalformedMessages(open.CaseId);
            var items = new List<(byte[] Bytes, bool Valid, string What)> { (new SyncCommand { OpenCase = open }.ToByteArray(), true, "open") };
            var validAdds = 0;
            foreach (var spoiler in spoilers)
            {
                items.Add((new SyncCommand { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, $"n-{Guid.NewGuid():N}@example.com") }.ToByteArray(), true, "valid add"));
                validAdds++;
                var bad = new SyncCommand();
                var command = (spoiler % 3) switch
                {
                    0 => (IMessage)(bad.AddSuspectIdentifier = (AddSuspectIdentifierRequest)messages.Sample(AddSuspectIdentifierRequest.Descriptor)),
                    1 => bad.LinkVictim = (LinkVictimRequest)messages.Sample(LinkVictimRequest.Descriptor),
                    _ => bad.OpenCase = (OpenCaseRequest)messages.Sample(OpenCaseRequest.Descriptor),
                };
                if (spoiler % 4 == 0)
                {
                    var (bytes, what) = MalformedMessages.MutateWire(bad, spoiler / 4, spoiler);
                    items.Add((bytes, false, what));
                }
                else items.Add((Spoiled(command, bad, spoiler), false, "field"));
            }
            using (var call = invoker.AsyncDuplexStreamingCall(Raw(sync), null, new CallOptions()))
            {
                try
                {
                    foreach (var (bytes, _, _) in items) await call.RequestStream.WriteAsync(bytes);
                    await call.RequestStream.CompleteAsync();
                }
                catch (RpcException) { } // the stream's end, read below
                var results = new List<SyncResult>();
                try { await foreach (var r in call.ResponseStream.ReadAllAsync()) results.Add(SyncResult.Parser.ParseFrom(r)); }
                catch (RpcException ended) { failures.Add($"Sync ended with {ended.StatusCode}"); }
                Count(results.Select(r => r.Error is null ? StatusCode.OK : (StatusCode)r.Error.Code), failures, "Sync");
                if (results.Count != items.Count) failures.Add($"Sync answered {results.Count} of {items.Count}");
                for (var i = 0; i < Math.Min(results.Count, items.Count); i++)
                    if (items[i].Valid && results[i].Error is { } error) failures.Add($"Sync: valid {items[i].What} #{i} failed with {(StatusCode)error.Code}: {error.Message}");
            }
            var stored = await hub.Cases("CA-RCMP-NCECC").GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "fuzz" } });
            if (stored.Identifiers.Count(i => i.CanonicalValue.StartsWith("n-", StringComparison.Ordinal)) != validAdds)
                failures.Add($"Sync: {validAdds} valid adds, {stored.Identifiers.Count} identifiers stored");

            // BatchLookup: valid questions with spoiled ones between them.
            var questions = new List<(byte[] Bytes, bool Valid)>
            {
                (new BatchLookupRequest { ItemId = "first", Justification = new Justification { Purpose = "fuzz" }, Identifier = Email("first@example.com") }.ToByteArray(), true),
            };
            foreach (var spoiler in spoilers)
            {
                var bad = (BatchLookupRequest)messages.Sample(BatchLookupRequest.Descriptor);
                bad.Justification = null;
                questions.Add(spoiler % 4 == 0 ? (MalformedMessages.MutateWire(bad, spoiler / 4, spoiler).Bytes, false) : (Spoiled(bad, bad, spoiler), false));
                questions.Add((new BatchLookupRequest { ItemId = "valid", Identifier = Email($"q-{spoiler}@example.com") }.ToByteArray(), true));
            }
            using (var call = invoker.AsyncDuplexStreamingCall(Raw(batch), null, new CallOptions()))
            {
                try
                {
                    foreach (var (bytes, _) in questions) await call.RequestStream.WriteAsync(bytes);
                    await call.RequestStream.CompleteAsync();
                }
                catch (RpcException) { } // the stream's end, read below
                var answers = new List<LookupAnswer>();
                try { await foreach (var a in call.ResponseStream.ReadAllAsync()) answers.Add(LookupAnswer.Parser.ParseFrom(a)); }
                catch (RpcException ended) { failures.Add($"BatchLookup ended with {ended.StatusCode}"); }
                Count(answers.Select(a => a.Error is null ? StatusCode.OK : (StatusCode)a.Error.Code), failures, "BatchLookup");
                if (answers.Count != questions.Count) failures.Add($"BatchLookup answered {answers.Count} of {questions.Count}");
                for (var i = 0; i < Math.Min(answers.Count, questions.Count); i++)
                    if (questions[i].Valid && answers[i].Error is { } error) failures.Add($"BatchLookup: valid item #{i} failed with {(StatusCode)error.Code}: {error.Message}");
            }
        }, iter: 25, threads: 1, seed: Environment.GetEnvironmentVariable("EVIDENCEHUB_FUZZ_SEED"));

        output.WriteLine($"stream fuzz: {started.Elapsed.TotalSeconds:F1} s");
        PrintHistogram();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
    }

    /// The message with one field spoiled (the field chosen within the command, serialised as the whole item).
    private static byte[] Spoiled(IMessage part, IMessage whole, int spoiler)
    {
        MalformedMessages.Mutate(part, spoiler, spoiler / 7);
        return whole.ToByteArray();
    }

    private static IdentifierQuery Email(string value) => new() { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = value } };

    private static void Count(IEnumerable<StatusCode> codes, List<string> failures, string rpc)
    {
        foreach (var code in codes)
        {
            Histogram.AddOrUpdate(code, 1, (_, n) => n + 1);
            if (Forbidden.Contains(code)) failures.Add($"{rpc} item answered {code}");
        }
    }

    private void PrintHistogram() =>
        output.WriteLine("status-code histogram (fuzz suite so far): " +
                         string.Join(", ", Histogram.OrderByDescending(h => h.Value).Select(h => $"{h.Key} {h.Value}")));
}
