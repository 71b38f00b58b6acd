using System.Net.Sockets;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Robustness;

/// Which status each failure gets: outages are UNAVAILABLE with a retry hint, unexpected failures INTERNAL and
/// logged once per kind, and nothing a caller sends is echoed unbounded or unescaped.
public sealed class StatusMappingTests
{
    public static TheoryData<string, Exception> Outages => new()
    {
        { "admin shutdown", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01") },
        { "starting up", new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03") },
        { "connection failure", new PostgresException("connection failure", "FATAL", "FATAL", "08006") },
        { "socket", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)) },
        { "pool timeout", new NpgsqlException("The connection pool has been exhausted", new TimeoutException()) },
        { "bare timeout", new TimeoutException() },
        { "wrapped by Marten", new InvalidOperationException("Marten command failed", new NpgsqlException("Exception while reading from stream", new EndOfStreamException())) },
        { "in an aggregate", new AggregateException(new PostgresException("shutdown", "FATAL", "FATAL", "57P01")) },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void A_store_outage_is_unavailable_with_a_retry_delay(string scenario, Exception outage)
    {
        var status = RpcStatusMapping.ToStatus(outage, new FakeCallContext());
        Assert.True(status.Code == (int)Code.Unavailable, $"{scenario}: {status.Code}");
        Assert.Contains(status.Details, d => d.Is(RetryInfo.Descriptor));
    }

    [Fact]
    public void A_bug_is_internal_and_is_logged_with_its_stack_once_then_counted_per_interval()
    {
        var logger = new CapturingLogger();
        var clock = new ShiftedClock();
        var failures = new FailureLog(new CapturingLoggers(logger), clock, Options.Create(new FailureLogOptions { RepeatInterval = TimeSpan.FromMinutes(1) }));
        var context = new FakeCallContext();
        context.UserState["__HttpContext"] = new DefaultHttpContext { RequestServices = new ServiceCollection().AddSingleton(failures).BuildServiceProvider() };
        void Fail(int times)
        {
            for (var i = 0; i < times; i++)
            {
                Exception bug;
                try { throw new NotSupportedException("a bug"); }
                catch (NotSupportedException thrown) { bug = thrown; }
                Assert.Equal((int)Code.Internal, RpcStatusMapping.ToStatus(bug, context).Code);
            }
        }

        Fail(100);
        var first = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, first.Level);
        Assert.NotNull(first.Exception);
        Assert.Contains(nameof(A_bug_is_internal_and_is_logged_with_its_stack_once_then_counted_per_interval), first.Message);

        clock.Advance(TimeSpan.FromMinutes(1));
        Fail(1);
        Assert.Equal(2, logger.Entries.Count);
        var summary = logger.Entries[1];
        Assert.Equal(LogLevel.Warning, summary.Level);
        Assert.Null(summary.Exception);
        Assert.Contains("100 times since", summary.Message);
    }

    private sealed class CapturingLoggers(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    [Fact]
    public void Quoted_values_are_bounded_and_escaped()
    {
        Assert.Equal(@"a\u000ab\u001b[31m", LogText.Quote("a\nb\u001b[31m"));
        Assert.Equal(@"\u202eevil", LogText.Quote("\u202eevil"));
        Assert.Equal(new string('x', 64) + "…", LogText.Quote(new string('x', 3_000_000)));
    }

    [Fact]
    public void A_log_line_cannot_be_forged_by_a_value()
    {
        var formatter = new EscapingConsoleFormatter();
        var writer = new StringWriter();
        var entry = new Microsoft.Extensions.Logging.Abstractions.LogEntry<string>(LogLevel.Information, "test", new EventId(1),
            "user j.doe\ninfo EvidenceHub[0] forged line", null, (state, _) => state);
        formatter.Write(entry, null, writer);
        Assert.Single(writer.ToString().TrimEnd('\n').Split('\n'));
        Assert.Contains(@"j.doe\u000ainfo", writer.ToString());
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception), exception));
        }
    }
}

/// A ServerCallContext for mapping tests: a live call with no deadline.
public sealed class FakeCallContext : ServerCallContext
{
    protected override string MethodCore => "/evidencehub.v1.Test/" + nameof(StatusMappingTests.A_bug_is_internal_and_is_logged_with_its_stack_once_then_counted_per_interval);
    protected override string HostCore => "localhost";
    protected override string PeerCore => "test";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => CancellationToken.None;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Grpc.Core.Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => new(null, []);
    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}

[Collection(RobustnessHub.Name)]
public sealed class StatusContractTests(HubFixture hub)
{
    [Theory]
    [InlineData("")]
    [InlineData("evidencehub.v1.CaseService")]
    [InlineData("evidencehub.v1.LookupService")]
    [InlineData("evidencehub.v1.FeedService")]
    [InlineData("evidencehub.v1.AuditService")]
    public async Task Each_service_has_its_health(string service)
    {
        var health = new Health.HealthClient(hub.Channel(null));
        var answer = await health.CheckAsync(new HealthCheckRequest { Service = service });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
    }

    [Fact]
    public async Task A_huge_bad_value_is_not_echoed()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var failure = await Failure(() => nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._16To17, Country = new string('Q', 3_000_000) + "\n",
        }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "country"), (failure.Code, failure.Field));
        Assert.True(failure.Status.CalculateSize() < 1024, $"{failure.Status.CalculateSize()} bytes of status");
        var partner = await Failure(() => nl.OpenCaseAsync(new OpenCaseRequest
        {
            CommandId = NewId(), Reference = "R-" + NewId(), OffenceType = OffenceType.FinancialSextortion,
            SharingPolicy = new SharingPolicy { Tlp = Tlp.Amber, HandlingCode = HandlingCode.H0, PartnerUnits = { "X\nforged " + new string('P', 100_000) } },
        }).ResponseAsync);
        Assert.DoesNotContain("\n", partner.Status.Message);
        Assert.True(partner.Status.CalculateSize() < 1024);
    }
}

[Collection(RobustnessHub.Name)]
public sealed class RawIdentifierTextTests(HubFixture hub)
{
    /// Found by the fuzz suite: a NUL in a field canonicalisation ignores reached jsonb and answered INTERNAL.
    [Theory]
    [InlineData("snap\u0000chat", "", "identifier.platform")]
    [InlineData("", "a@example.com\u0000", "identifier.value")]
    public async Task Control_characters_in_a_raw_identifier_are_refused(string platform, string value, string field)
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var add = AddIdentifier(caseId, IdentifierKind.EmailAddress, value.Length == 0 ? "b@example.com" : value, platform);
        var failure = await Failure(() => nl.AddSuspectIdentifierAsync(add).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, field), (failure.Code, failure.Field));
    }
}
