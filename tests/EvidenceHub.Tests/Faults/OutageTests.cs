using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Faults;

/// PostgreSQL crashes (`pg_ctl stop -m immediate`) under a running Sync, a lookup loop and a feed subscription, and
/// comes back: while it is down every answer is UNAVAILABLE (or CANCELLED), and afterwards resending what was not
/// acknowledged gives exact counts, the feed resumes without gaps, the audit log verifies. A hub over real Kestrel
/// (HTTP/2 with TLS) on the test's own PostgreSQL server.
[LongRunning]
public sealed class OutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Adds = 600, Shared = 60;
    private readonly ThrowawayPki pki = new();
    private PrivatePostgres postgres = null!;
    private WebApplicationFactory<Program> factory = null!;
    private Uri address = null!;
    private readonly CountingLogs logs = new();

    public async Task InitializeAsync()
    {
        postgres = await PrivatePostgres.Start();
        (factory, address) = RealKestrel.Start(pki, host =>
        {
            foreach (var (key, value) in HubFixture.HubSettings(postgres.ConnectionString, pki)) host.UseSetting(key, value);
            host.ConfigureLogging(logging => logging.AddProvider(logs));
        });
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        await postgres.DisposeAsync();
        pki.Dispose();
    }

    private GrpcChannel Channel(string unitId) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { pki.ClientCertificate(unitId) },
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        },
    });

    [Fact]
    public async Task A_crash_of_PostgreSQL_answers_unavailable_and_loses_nothing()
    {
        var nlChannel = Channel("NL-TBKK");
        var nl = new CaseService.CaseServiceClient(nlChannel);
        var be = new CaseService.CaseServiceClient(Channel("BE-FCCU"));
        var health = new Health.HealthClient(nlChannel);
        var whileDown = new ConcurrentBag<StatusCode>();

        // BE already holds some values NL is about to add: NL's feed gets correlation notices while it syncs.
        var beCase = await be.OpenedCase();
        for (var i = 0; i < Shared; i++) await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, $"shared-{i}@example.com"));

        var open = OpenCase();
        var commands = new List<SyncCommand> { new() { OpenCase = open } };
        for (var i = 0; i < Adds; i++)
            commands.Add(new SyncCommand { AddSuspectIdentifier = AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, i < Shared ? $"shared-{i}@example.com" : $"own-{i}@example.com") });

        // The feed, followed from the start.
        var feedItems = new ConcurrentQueue<FeedItem>();
        var feed = new FeedService.FeedServiceClient(nlChannel);
        var following = Task.Run(async () =>
        {
            using var subscription = feed.Subscribe(new SubscribeRequest());
            try { await foreach (var item in subscription.ResponseStream.ReadAllAsync()) feedItems.Enqueue(item); return StatusCode.OK; }
            catch (RpcException ended) { return ended.StatusCode; }
        });

        // A partner asking all the time.
        using var stopAsking = new CancellationTokenSource();
        var lookups = new LookupService.LookupServiceClient(Channel("US-HSI-C3"));
        var lookupCodes = new ConcurrentDictionary<StatusCode, int>();
        var asking = Task.Run(async () =>
        {
            while (!stopAsking.IsCancellationRequested)
            {
                StatusCode code;
                try
                {
                    await lookups.LookupAsync(new LookupRequest
                    {
                        Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "shared-1@example.com" } },
                        Justification = new Justification { Purpose = "fault test" },
                    });
                    code = StatusCode.OK;
                }
                catch (RpcException failed) { code = failed.StatusCode; }
                lookupCodes.AddOrUpdate(code, 1, (_, n) => n + 1);
                await Task.Delay(20);
            }
        });

        // The Sync, sent in slices so that the crash lands in the middle of it.
        var acknowledged = new ConcurrentDictionary<string, SyncResult>();
        using var someAnswered = new SemaphoreSlim(0);
        var syncing = Task.Run(async () =>
        {
            using var call = nl.Sync();
            var reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var result in call.ResponseStream.ReadAllAsync())
                    {
                        Assert.Null(result.Error);
                        acknowledged[result.CommandId] = result;
                        if (acknowledged.Count == 100) someAnswered.Release();
                    }
                    return StatusCode.OK;
                }
                catch (RpcException ended) { return ended.StatusCode; }
            });
            try
            {
                foreach (var slice in commands.Chunk(20))
                {
                    foreach (var command in slice) await call.RequestStream.WriteAsync(command);
                    await Task.Delay(50);
                    if (reading.IsCompleted) break;
                }
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException) { } // the stream ended under the writer
            catch (InvalidOperationException) { } // the call is over: writing after its end
            return await reading;
        });

        Assert.True(await someAnswered.WaitAsync(TimeSpan.FromSeconds(60)), "the Sync did not get going");
        var tracesBefore = logs.Traces.Count;
        await postgres.StopImmediately();
        output.WriteLine($"PostgreSQL stopped after {acknowledged.Count} acknowledged commands");

        // A Sync that fails while its client keeps its side open must not poison the connection (checked below).
        using (var keptOpen = nl.Sync())
        {
            await keptOpen.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase() });
            var failure = await Assert.ThrowsAsync<RpcException>(async () => await keptOpen.ResponseStream.MoveNext());
            whileDown.Add(failure.StatusCode);
        }
        foreach (var rpc in new Func<Task>[]
                 {
                     () => nl.GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "fault test" } }).ResponseAsync,
                     () => nl.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, "down@example.com")).ResponseAsync,
                 })
            whileDown.Add((await Assert.ThrowsAsync<RpcException>(rpc)).StatusCode);
        foreach (var service in new[] { "", "evidencehub.v1.CaseService", "evidencehub.v1.LookupService", "evidencehub.v1.FeedService", "evidencehub.v1.AuditService" })
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = service })).Status);

        var syncEnded = await syncing;
        var feedEnded = await following;
        whileDown.Add(syncEnded);
        whileDown.Add(feedEnded);
        await Task.Delay(500); // a few lookups while it is down

        // Each distinct failure is logged once with its stack trace, not once per failed call or commit.
        var traces = logs.Traces.Skip(tracesBefore).ToList();
        output.WriteLine($"stack traces logged while down: {traces.Count}; {string.Join("; ", traces.GroupBy(t => t).Select(g => $"{g.Key} x{g.Count()}"))}");
        Assert.True(traces.Count <= 12, $"{traces.Count} stack traces logged while PostgreSQL was down");
        Assert.All(traces.GroupBy(t => t), site => Assert.True(site.Count() <= 2, $"{site.Key}: {site.Count()} stack traces"));

        await postgres.StartAgain();
        for (var tries = 0; (await health.CheckAsync(new HealthCheckRequest { Service = "evidencehub.v1.CaseService" })).Status != HealthCheckResponse.Types.ServingStatus.Serving; tries++)
        {
            Assert.True(tries < 100, "the hub did not come back");
            await Task.Delay(100);
        }
        await stopAsking.CancelAsync();
        await asking;

        output.WriteLine($"while down: {string.Join(", ", whileDown)}; lookups: {string.Join(", ", lookupCodes.Select(c => $"{c.Key} {c.Value}"))}");
        Assert.All(whileDown, code => Assert.Contains(code, new[] { StatusCode.Unavailable, StatusCode.Cancelled }));
        Assert.Equal(StatusCode.Unavailable, syncEnded);
        Assert.All(lookupCodes.Keys, code => Assert.Contains(code, new[] { StatusCode.OK, StatusCode.Unavailable }));
        Assert.True(lookupCodes.GetValueOrDefault(StatusCode.Unavailable) > 0, "no lookup ran while PostgreSQL was down");

        // The connection the failed Syncs ran on still serves.
        for (var i = 0; i < 50; i++)
            await nl.GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "after the outage" } });

        // Resending what was not acknowledged (a resent command that had landed is replayed, not repeated).
        using (var resend = nl.Sync())
        {
            var unacknowledged = commands.Where(c => !acknowledged.ContainsKey(CommandIdOf(c))).ToList();
            foreach (var command in unacknowledged) await resend.RequestStream.WriteAsync(command);
            await resend.RequestStream.CompleteAsync();
            var results = await resend.ResponseStream.ReadAllAsync().ToListAsync();
            Assert.Equal(unacknowledged.Count, results.Count);
            Assert.All(results, r => Assert.Null(r.Error));
        }
        var stored = await nl.GetCaseAsync(new GetCaseRequest { CaseId = open.CaseId, Justification = new() { Purpose = "after the outage" } });
        Assert.Equal(Adds, stored.Identifiers.Count);
        Assert.Equal(Adds, stored.Identifiers.Select(i => i.Key).Distinct().Count());

        // The feed, resumed after the last item received, joins up with what was received before: no gap, no repeat.
        var everything = await FeedFrom(feed, 0, expectAtLeast: Shared);
        var resumed = await FeedFrom(feed, feedItems.IsEmpty ? 0 : feedItems.Max(i => i.Position), expectAtLeast: 0);
        var received = feedItems.Select(i => i.Position).Concat(resumed.Select(i => i.Position)).ToList();
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(everything.Select(i => i.Position), received.Order());
        output.WriteLine($"feed: {feedItems.Count} items before the crash, {resumed.Count} after");

        var verification = await new AuditService.AuditServiceClient(Channel("EU-AUDIT")).VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "fault test" } });
        Assert.True(verification.Intact, verification.Problem);
    }

    /// The feed after a position, once the projection has caught up with at least the given number of items.
    private static async Task<List<FeedItem>> FeedFrom(FeedService.FeedServiceClient feed, long after, int expectAtLeast)
    {
        for (var tries = 0; ; tries++)
        {
            using var call = feed.Subscribe(new SubscribeRequest { AfterPosition = after, StopAtEnd = true });
            var items = await call.ResponseStream.ReadAllAsync().ToListAsync();
            if (items.Count >= expectAtLeast || tries == 300) return items;
            await Task.Delay(100);
        }
    }

    private static string CommandIdOf(SyncCommand command) =>
        command.OpenCase?.CommandId ?? command.AddSuspectIdentifier.CommandId;

    /// The hub's own log entries that carry a stack trace, by category and exception type.
    private sealed class CountingLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Traces { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Counter(categoryName, Traces);
        public void Dispose() { }

        private sealed class Counter(string category, ConcurrentQueue<string> traces) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (exception is not null && category.StartsWith("EvidenceHub", StringComparison.Ordinal))
                    traces.Enqueue($"{category} {exception.GetType().Name}");
            }
        }
    }
}
