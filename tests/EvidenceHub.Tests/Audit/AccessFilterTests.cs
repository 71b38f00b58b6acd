using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace EvidenceHub.Tests.Audit;

/// QueryAccessLog's filter builder, without a database: which requests it refuses, and the query it makes.
public sealed class AccessFilterTests
{
    private static readonly Caller Auditor = new("EU-AUDIT", "NL", [Roles.Auditor], "auditor", "CN=EU-AUDIT");
    private static readonly DateTimeOffset Monday = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void No_filter_selects_every_record_up_to_the_maximum()
    {
        var filter = AccessFilter.Of(new QueryAccessLogRequest { Justification = new() { Purpose = "review" } }, Auditor, Deciders.Sample.Pseudonyms);

        Assert.Equal(new AccessFilter(null, null, null, null, null, AccessFilter.MaxAccessRecords), filter);
        Assert.Equal("(all)", filter.ToString());
        using var command = filter.Command(null, null, 10);
        Assert.DoesNotContain("WHERE", command.CommandText);
        Assert.Equal(["limit"], command.Parameters.Select(p => p.ParameterName));
    }

    [Fact]
    public void Every_filter_becomes_one_condition_and_one_parameter()
    {
        var caseId = Guid.NewGuid();
        var filter = AccessFilter.Of(new QueryAccessLogRequest
        {
            Justification = new() { Purpose = "review" }, From = Timestamp.FromDateTimeOffset(Monday), To = Timestamp.FromDateTimeOffset(Monday.AddDays(1)),
            Unit = "NL-TBKK", CaseId = caseId.ToString(), IdentifierKey = "email:a@example.org", MaxRecords = 5,
        }, Auditor, Deciders.Sample.Pseudonyms);

        // The records name identifiers by pseudonym: so does the question.
        var pseudonym = Deciders.Sample.MatchKey("email:a@example.org");
        Assert.Equal(new AccessFilter(Monday, Monday.AddDays(1), "NL-TBKK", caseId, pseudonym, 5), filter);
        Assert.Equal($"from {Monday:O}, until {Monday.AddDays(1):O}, of unit NL-TBKK, about case {caseId}, about identifier {pseudonym}", filter.ToString());
        using var command = filter.Command(null, null, 5);
        Assert.Contains("WHERE a.at >= @from AND a.at < @to AND a.unit = @unit AND a.case_id = @case AND a.identifier_keys @> ARRAY[@key]::text[]", command.CommandText);
        Assert.Equal(["from", "to", "unit", "case", "key", "limit"], command.Parameters.Select(p => p.ParameterName));
        Assert.Equal(caseId, command.Parameters["case"].Value);
    }

    [Fact]
    public void A_later_page_continues_after_the_last_record_in_index_order()
    {
        var filter = AccessFilter.Of(new QueryAccessLogRequest { Justification = new() { Purpose = "review" } }, Auditor, Deciders.Sample.Pseudonyms);
        var last = new AccessRecordKey(Monday.UtcDateTime, Guid.NewGuid(), 7);

        using var command = filter.Command(null, last, 1000);

        Assert.Contains("WHERE (a.at, a.stream_id, a.version) > (@lastAt, @lastStream, @lastVersion)", command.CommandText);
        Assert.Contains("ORDER BY a.at, a.stream_id, a.version LIMIT @limit", command.CommandText);
        Assert.Equal((object)last.Stream, command.Parameters["lastStream"].Value);
        Assert.Equal(7L, command.Parameters["lastVersion"].Value);
    }

    [Fact]
    public void An_identifier_is_canonicalised_in_the_callers_country_unless_a_region_is_named()
    {
        var dutch = AccessFilter.Of(new QueryAccessLogRequest
            { Justification = new() { Purpose = "review" }, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.PhoneNumber, Value = "06-12345678" } }, Auditor, Deciders.Sample.Pseudonyms);
        var belgian = AccessFilter.Of(new QueryAccessLogRequest
            { Justification = new() { Purpose = "review" }, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.PhoneNumber, Value = "0470 12 34 56" }, IdentifierRegion = "BE" }, Auditor, Deciders.Sample.Pseudonyms);

        Assert.Equal(Deciders.Sample.MatchKey("phone:+31612345678"), dutch.IdentifierKey);
        Assert.Equal(Deciders.Sample.MatchKey("phone:+32470123456"), belgian.IdentifierKey);
    }

    public static TheoryData<QueryAccessLogRequest, string> Refused => new()
    {
        { new QueryAccessLogRequest { From = Timestamp.FromDateTimeOffset(Monday), To = Timestamp.FromDateTimeOffset(Monday) }, "to" },
        { new QueryAccessLogRequest { From = new Timestamp { Seconds = long.MaxValue } }, "from" },
        { new QueryAccessLogRequest { CaseId = "not a case" }, "case_id" },
        { new QueryAccessLogRequest { Unit = new string('x', 129) }, "unit" },
        {
            new QueryAccessLogRequest
            {
                Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "a@example.org" }, IdentifierKey = "email:a@example.org",
            },
            "identifier_key"
        },
        { new QueryAccessLogRequest { MaxRecords = -1 }, "max_records" },
        { new QueryAccessLogRequest { MaxRecords = AccessFilter.MaxAccessRecords + 1 }, "max_records" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bad_filters_are_refused_naming_the_field(QueryAccessLogRequest request, string field)
    {
        var refused = Assert.Throws<Rejection>(() => AccessFilter.Of(request, Auditor, Deciders.Sample.Pseudonyms));

        Assert.Equal(StatusCode.InvalidArgument, (StatusCode)refused.Status.Code);
        Assert.Equal(field, refused.Status.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Single().Field);
    }
}
