using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Robustness;

/// Timestamps, dates and versions outside their range are bad input naming the field, not INTERNAL.
[Collection(RobustnessHub.Name)]
public sealed class WellKnownTypeTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");

    public static TheoryData<string, long, int> BadTimestamps => new()
    {
        { "seconds 10^12", 1_000_000_000_000, 0 },
        { "before year 1", -62_135_596_801, 0 },
        { "nanos -5", 1_700_000_000, -5 },
        { "nanos 10^9", 1_700_000_000, 1_000_000_000 },
    };

    private static SuspectIdentifierInput IpAt(long seconds, int nanos) =>
        new() { Kind = IdentifierKind.IpAddress, Value = "192.0.2.1", ObservedAt = new Timestamp { Seconds = seconds, Nanos = nanos } };

    [Theory]
    [MemberData(nameof(BadTimestamps))]
    public async Task An_out_of_range_observed_at_is_invalid_argument_everywhere_it_is_read(string scenario, long seconds, int nanos)
    {
        var caseId = await nl.OpenedCase();
        var lookups = hub.Lookups("NL-TBKK");
        var why = new Justification { Purpose = "robustness test" };
        var calls = new (string Rpc, Func<Task> Call, string Field)[]
        {
            ("AddSuspectIdentifier", () => nl.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, Identifier = IpAt(seconds, nanos) }).ResponseAsync, "identifier.observed_at"),
            ("MarkNotToCorrelate", () => nl.MarkNotToCorrelateAsync(new MarkNotToCorrelateRequest { CommandId = NewId(), Identifier = IpAt(seconds, nanos), Reason = "r" }).ResponseAsync, "identifier.observed_at"),
            ("Lookup", () => lookups.LookupAsync(new LookupRequest { Identifier = new IdentifierQuery { Raw = IpAt(seconds, nanos) }, Justification = why }).ResponseAsync, "identifier.raw.observed_at"),
            ("GetNetwork", () => lookups.GetNetworkAsync(new GetNetworkRequest { Identifier = new IdentifierQuery { Raw = IpAt(seconds, nanos) }, Justification = why }).ResponseAsync, "identifier.raw.observed_at"),
        };
        foreach (var (rpc, call, field) in calls)
        {
            var failure = await Failure(call);
            Assert.True((StatusCode.InvalidArgument, field) == (failure.Code, failure.Field), $"{rpc}, {scenario}: got {failure.Code} on {failure.Field}");
        }

        var audit = hub.Audit("EU-AUDIT");
        var asOf = await Failure(() => audit.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = new() { Purpose = "quarterly supervision" }, AsOfTime = new Timestamp { Seconds = seconds, Nanos = nanos } }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "as_of_time"), (asOf.Code, asOf.Field));
        var log = await Failure(async () =>
        {
            using var records = audit.QueryAccessLog(new QueryAccessLogRequest { Justification = new() { Purpose = "quarterly supervision" }, From = new Timestamp { Seconds = seconds, Nanos = nanos } });
            await records.ResponseStream.MoveNext();
        });
        Assert.Equal((StatusCode.InvalidArgument, "from"), (log.Code, log.Field));
    }

    [Theory]
    [InlineData(10000, 1, 1)]
    [InlineData(2147483647, 1, 1)]
    [InlineData(-1, 1, 1)]
    [InlineData(2025, 13, 1)]
    [InlineData(2025, 0, 5)]
    [InlineData(2025, 2, 29)]
    [InlineData(2025, 1, -1)]
    public async Task An_invalid_first_contact_date_is_invalid_argument(int year, int month, int day)
    {
        var caseId = await nl.OpenedCase();
        var failure = await Failure(() => nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._16To17, Country = "NL",
            FirstContactDate = new Google.Type.Date { Year = year, Month = month, Day = day },
        }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "first_contact_date"), (failure.Code, failure.Field));
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public async Task A_negative_expected_version_is_invalid_argument(long expected)
    {
        var caseId = await nl.OpenedCase();
        var add = AddIdentifier(caseId, IdentifierKind.EmailAddress, "someone@example.com");
        add.ExpectedVersion = expected;
        var failure = await Failure(() => nl.AddSuspectIdentifierAsync(add).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "expected_version"), (failure.Code, failure.Field));
        var close = await Failure(() => nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "r", ExpectedVersion = expected }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "expected_version"), (close.Code, close.Field));
    }

    [Fact]
    public void Durations_are_checked_against_their_definition()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), EvidenceHub.Hub.Errors.RequestFields.Duration(new Duration { Seconds = 90 }, "d"));
        Assert.Null(EvidenceHub.Hub.Errors.RequestFields.Duration(null, "d"));
        foreach (var bad in new[] { new Duration { Seconds = 315_576_000_001 }, new Duration { Seconds = 1, Nanos = -1 }, new Duration { Nanos = 1_000_000_000 } })
        {
            var rejection = Assert.Throws<EvidenceHub.Hub.Errors.Rejection>(() => EvidenceHub.Hub.Errors.RequestFields.Duration(bad, "d"));
            Assert.Equal((int)Google.Rpc.Code.InvalidArgument, rejection.Status.Code);
        }
    }
}
