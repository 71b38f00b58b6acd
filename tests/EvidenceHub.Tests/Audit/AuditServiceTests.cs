using System.Text;
using System.Text.Json;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Testing;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Audit;

[Collection(AuditHub.Name)]
public sealed class AuditServiceTests(HubFixture hub)
{
    private AuditService.AuditServiceClient Auditor => hub.Audit("EU-AUDIT");

    [Fact]
    public async Task Replay_streams_every_event_of_a_case_in_order_with_who_when_and_in_which_call()
    {
        var nl = hub.Cases("NL-TBKK", user: "j.devries");
        var open = OpenCase();
        await nl.OpenCaseAsync(open, new Metadata { { "x-correlation-id", "NL-TICKET-881" } });
        var add = AddIdentifier(open.CaseId, IdentifierKind.PhoneNumber, "06-12345678");
        await nl.AddSuspectIdentifierAsync(add);
        var link = new LinkVictimRequest { CommandId = NewId(), CaseId = open.CaseId, VictimReference = "V-REPLAY-1", AgeBand = AgeBand._13To15, Country = "NL" };
        await nl.LinkVictimAsync(link);
        var close = new CloseCaseRequest { CommandId = NewId(), CaseId = open.CaseId, Reason = "offender convicted" };
        await nl.CloseCaseAsync(close);

        var events = await Auditor.Replay(open.CaseId);

        Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.Version));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "global positions increase");
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Timestamp.ToDateTimeOffset() <= p.Second.Timestamp.ToDateTimeOffset()));
        Assert.All(events, e => Assert.Equal(("NL-TBKK", "j.devries"), (e.Unit, e.User)));
        var opened = events[0];
        Assert.Equal("case_opened", opened.EventType);
        Assert.Equal("NL-TICKET-881", opened.CorrelationId);
        Assert.Equal(open.CommandId, opened.CommandId);
        Assert.Contains(open.Reference, opened.DataJson);
        // An identifier's values are stored sealed too, matched by pseudonym.
        Assert.Contains(events, e => e.CommandId == add.CommandId && e.ReadableJson.Contains("+31612345678") && !e.DataJson.Contains("+31612345678"));
        // The victim reference is stored sealed: replay shows it opened beside the stored JSON.
        Assert.Contains(events, e => e.CommandId == link.CommandId && e.ReadableJson.Contains("V-REPLAY-1") && !e.DataJson.Contains("V-REPLAY-1"));
        Assert.Equal(close.CommandId, events[^1].CommandId);
        Assert.All(events, e => JsonDocument.Parse(e.DataJson).Dispose());

        var tail = await Auditor.Replay(open.CaseId, afterVersion: 2);
        Assert.Equal(events.Skip(2).Select(e => e.Sequence), tail.Select(e => e.Sequence));
    }

    /// An event's global sequence and log position count every event stored in between, other units' and hidden cases'
    /// included: a unit's replay carries neither (nor the leaf hash, which commits to the sequence); an auditor's does.
    [Fact]
    public async Task A_unit_replaying_its_own_case_gets_no_global_sequence_or_log_position()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, Unique.Email()));

        var audited = await Auditor.ReplayLogged(caseId);
        Assert.All(audited, e => Assert.True(e.Sequence > 0 && e.HasLogPosition && !e.LeafHash.IsEmpty));

        var own = await hub.Audit("NL-TBKK").Replay(caseId);
        Assert.Equal(audited.Select(e => (e.Version, e.EventType, e.DataJson)), own.Select(e => (e.Version, e.EventType, e.DataJson)));
        Assert.All(own, e => Assert.True(e.Sequence == 0 && !e.HasLogPosition && e.LeafHash.IsEmpty));
    }

    [Fact]
    public async Task A_unit_replays_and_time_travels_its_own_cases_only_and_partners_nothing()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var replay = new ReplayCaseRequest { CaseId = caseId, Justification = new() { Purpose = "own case review" } };
        var asOf = new GetCaseAsOfRequest { CaseId = caseId, Justification = new() { Purpose = "own case review" }, Version = 1 };

        Assert.NotEmpty(await hub.Audit("NL-TBKK").Replay(caseId));
        Assert.Equal(caseId, (await hub.Audit("NL-TBKK").GetCaseAsOfAsync(asOf)).CaseId);
        Assert.NotEmpty(await Auditor.Replay(caseId));

        // Other units find no such case; a partner may not call these at all.
        foreach (var (stranger, expected) in new[] { ("BE-FCCU", StatusCode.NotFound), ("CA-RCMP-NCECC", StatusCode.NotFound), ("US-HSI-C3", StatusCode.PermissionDenied) })
        {
            var audit = hub.Audit(stranger);
            Assert.Equal(expected, (await Failure(() => Drain(audit.ReplayCase(replay)))).Code);
            Assert.Equal(expected, (await Failure(() => audit.GetCaseAsOfAsync(asOf).ResponseAsync)).Code);
        }
        // The log itself is for auditors.
        var own = hub.Audit("NL-TBKK");
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => own.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "curious" } }).ResponseAsync)).Code);
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => own.AccessLog(new QueryAccessLogRequest { CaseId = caseId }))).Code);

        // After a handoff, the new owner may replay and the old one may not.
        var request = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "offender lives in Antwerp" });
        await hub.Cases("BE-FCCU").AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = request.HandoffId });
        Assert.NotEmpty(await hub.Audit("BE-FCCU").Replay(caseId));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => hub.Audit("NL-TBKK").Replay(caseId))).Code);
    }

    /// Issue 13 part 8: replay and as-of take the owning unit's reference, so no client needs the derived id. A unit
    /// names its own references only; an auditor, who has none, names the unit whose reference it is.
    [Fact]
    public async Task Replay_and_as_of_find_a_case_by_its_owning_units_reference()
    {
        var nl = hub.Cases("NL-TBKK");
        var open = OpenCase();
        await nl.OpenCaseAsync(open);
        await nl.AddSuspectIdentifierAsync(AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, Unique.Email()));
        var byId = await Auditor.Replay(open.CaseId);

        var byReference = await Collect(Auditor.ReplayCase(new ReplayCaseRequest { CaseReference = open.Reference, OwningUnit = "NL-TBKK", Justification = AuditClient.Why }));
        Assert.Equal(byId.Select(e => (e.Version, e.DataJson)), byReference.Select(e => (e.Version, e.DataJson)));
        var own = await Collect(hub.Audit("NL-TBKK").ReplayCase(new ReplayCaseRequest { CaseReference = open.Reference, Justification = AuditClient.Why }));
        Assert.Equal(byId.Count, own.Count);
        var asOf = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseReference = open.Reference, OwningUnit = "NL-TBKK", Justification = AuditClient.Why, Version = 1 });
        Assert.Equal((open.CaseId, 1L), (asOf.CaseId, asOf.Version));
        Assert.Equal(open.CaseId, (await hub.Audit("NL-TBKK").GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseReference = open.Reference, Justification = AuditClient.Why, Version = 2 })).CaseId);

        // Another unit's reference, even the right one, is not resolved for a unit: the same answer as any unknown one.
        var stranger = await Failure(() => Drain(hub.Audit("BE-FCCU").ReplayCase(new ReplayCaseRequest { CaseReference = open.Reference, Justification = AuditClient.Why })));
        var unknown = await Failure(() => Drain(hub.Audit("BE-FCCU").ReplayCase(new ReplayCaseRequest { CaseReference = "REF-NO-SUCH-CASE", Justification = AuditClient.Why })));
        Assert.Equal((StatusCode.NotFound, "case_reference"), (stranger.Code, stranger.Field));
        Assert.Equal((unknown.Code, unknown.Field), (stranger.Code, stranger.Field));
        Assert.Equal((StatusCode.InvalidArgument, "owning_unit"), Of(await Failure(() => Drain(hub.Audit("BE-FCCU").ReplayCase(
            new ReplayCaseRequest { CaseReference = open.Reference, OwningUnit = "NL-TBKK", Justification = AuditClient.Why })))));
        Assert.Equal((StatusCode.InvalidArgument, "owning_unit"), Of(await Failure(() => Auditor.GetCaseAsOfAsync(
            new GetCaseAsOfRequest { CaseReference = open.Reference, Justification = AuditClient.Why, Version = 1 }).ResponseAsync)));
        Assert.Equal((StatusCode.InvalidArgument, "owning_unit"), Of(await Failure(() => Drain(Auditor.ReplayCase(
            new ReplayCaseRequest { CaseId = open.CaseId, OwningUnit = "NL-TBKK", Justification = AuditClient.Why })))));
        Assert.Equal((StatusCode.InvalidArgument, "case_reference"), Of(await Failure(() => Drain(Auditor.ReplayCase(
            new ReplayCaseRequest { CaseId = open.CaseId, CaseReference = open.Reference, OwningUnit = "NL-TBKK", Justification = AuditClient.Why })))));

        // The refused reference is on record, naming the unit asked about.
        var refusals = await Auditor.AccessLog(new QueryAccessLogRequest { Unit = "BE-FCCU" });
        refusals = refusals.Where(r => r.Operation == "ReplayCase").ToList();
        Assert.Contains(refusals, r => r.Outcome == AccessOutcome.Refused && r.Asked.Contains("REF-NO-SUCH-CASE"));
    }

    private static (StatusCode, string?) Of((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) => (failure.Code, failure.Field);

    private static async Task<List<ReplayedEvent>> Collect(AsyncServerStreamingCall<ReplayedEvent> call)
    {
        using (call)
        {
            var events = new List<ReplayedEvent>();
            await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
            return events;
        }
    }

    [Fact]
    public async Task The_case_as_it_stood_at_a_version_or_a_moment()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "first@example.org"));
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-ASOF", AgeBand = AgeBand.Under13, Country = "NL" });
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "second@example.org"));
        var events = await Auditor.Replay(caseId);
        var identifierEvents = events.Where(e => e.EventType == "suspect_identifier_added").ToList();
        Assert.Equal(2, identifierEvents.Count);
        var firstAdded = identifierEvents[0];

        var byVersion = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why, Version = firstAdded.Version });
        Assert.Equal(firstAdded.Version, byVersion.Version);
        Assert.Equal(["first@example.org"], byVersion.Identifiers.Select(i => i.CanonicalValue));
        Assert.Empty(byVersion.VictimLinks);

        var byTime = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why, AsOfTime = firstAdded.Timestamp });
        Assert.Equal(byVersion, byTime);

        var now = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why, AsOfTime = Timestamp.FromDateTime(DateTime.UtcNow) });
        var current = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "compare" } });
        // The store keeps microseconds; the snapshot GetCase reads was built from the unrounded clock.
        Assert.Equal(Microseconds(current), Microseconds(now));
        Assert.Equal("V-ASOF", now.VictimLinks.Single().VictimReference);

        var before = Timestamp.FromDateTimeOffset(events[0].Timestamp.ToDateTimeOffset().AddSeconds(-1));
        var notYet = await Failure(() => Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why, AsOfTime = before }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "as_of_time"), (notYet.Code, notYet.Field));
        var beyond = await Failure(() => Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why, Version = events.Count + 1 }).ResponseAsync);
        Assert.Equal((StatusCode.OutOfRange, "version"), (beyond.Code, beyond.Field));
        var future = await Failure(() => Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why, AsOfTime = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(1)) }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "as_of_time"), (future.Code, future.Field));
        var neither = await Failure(() => Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = AuditClient.Why }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "as_of"), (neither.Code, neither.Field));
    }

    [Fact]
    public async Task Every_read_needs_a_justification_and_a_refusal_names_the_field()
    {
        var audit = Auditor;
        var caseId = await hub.Cases("NL-TBKK").OpenedCase();
        var calls = new Func<Task>[]
        {
            () => Drain(audit.ReplayCase(new ReplayCaseRequest { CaseId = caseId })),
            () => audit.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Version = 1 }).ResponseAsync,
            () => Drain(audit.QueryAccessLog(new QueryAccessLogRequest { CaseId = caseId })),
            () => audit.GetLogCheckpointAsync(new GetLogCheckpointRequest()).ResponseAsync,
            () => Drain(audit.GetLogEntries(new GetLogEntriesRequest())),
            () => audit.GetInclusionProofAsync(new GetInclusionProofRequest { TreeSize = 1 }).ResponseAsync,
            () => audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = 1, SecondSize = 1 }).ResponseAsync,
            () => audit.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "   " } }).ResponseAsync,
        };
        foreach (var call in calls)
            Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), await CodeAndField(call));

        var refused = await audit.AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "EU-AUDIT" });
        Assert.Contains(refused, r => r.Operation == "/evidencehub.v1.AuditService/ReplayCase" && r.Outcome == AccessOutcome.Refused);
        Assert.Contains(refused, r => r.Operation == "/evidencehub.v1.AuditService/GetCaseAsOf" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task Bad_log_requests_get_precise_statuses()
    {
        var audit = Auditor;
        await hub.Cases("NL-TBKK").OpenedCase();
        var checkpoint = await audit.CheckpointCovering(1);
        var size = checkpoint.TreeSize;
        var why = AuditClient.Why;
        Assert.Equal((StatusCode.OutOfRange, "position"), await CodeAndField(() => audit.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = why, Position = size, TreeSize = size }).ResponseAsync));
        Assert.Equal((StatusCode.InvalidArgument, "position"), await CodeAndField(() => audit.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = why, Position = -1 }).ResponseAsync));
        Assert.Equal((StatusCode.OutOfRange, "tree_size"), await CodeAndField(() => audit.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = why, TreeSize = 1L << 40 }).ResponseAsync));
        Assert.Equal((StatusCode.InvalidArgument, "first_size"), await CodeAndField(() => audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = why, FirstSize = 0, SecondSize = size }).ResponseAsync));
        Assert.Equal((StatusCode.InvalidArgument, "first_size"), await CodeAndField(() => audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = why, FirstSize = size, SecondSize = 1 }).ResponseAsync));
        Assert.Equal((StatusCode.OutOfRange, "second_size"), await CodeAndField(() => audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = why, FirstSize = 1, SecondSize = 1L << 40 }).ResponseAsync));
        Assert.Equal((StatusCode.NotFound, "tree_size"), await CodeAndField(() => audit.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = why, TreeSize = 1L << 40 }).ResponseAsync));
        Assert.Equal((StatusCode.OutOfRange, "start_position"), await CodeAndField(() => audit.Entries(1L << 40, 10)));
        Assert.Equal((StatusCode.InvalidArgument, "max_entries"), await CodeAndField(() => audit.Entries(0, 1_000_000)));
        Assert.Equal((StatusCode.InvalidArgument, "case_id"), await CodeAndField(() => audit.Replay("not-a-case")));
        Assert.Equal((StatusCode.NotFound, "case_id"), await CodeAndField(() => audit.Replay(NewId())));
        Assert.Equal((StatusCode.InvalidArgument, "after_version"), await CodeAndField(() => audit.Replay(NewId(), afterVersion: -1)));
        Assert.Equal((StatusCode.InvalidArgument, "to"), await CodeAndField(() => audit.AccessLog(new QueryAccessLogRequest
            { From = Timestamp.FromDateTime(DateTime.UtcNow), To = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)) })));
        Assert.Equal((StatusCode.InvalidArgument, "identifier.value"), await CodeAndField(() => audit.AccessLog(new QueryAccessLogRequest
            { Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.PhoneNumber, Value = "not a number" } })));
        Assert.Equal((StatusCode.InvalidArgument, "identifier_key"), await CodeAndField(() => audit.AccessLog(new QueryAccessLogRequest
            { Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "a@example.org" }, IdentifierKey = "email:a@example.org" })));
        Assert.Equal((StatusCode.InvalidArgument, "max_records"), await CodeAndField(() => audit.AccessLog(new QueryAccessLogRequest { MaxRecords = -1 })));
    }

    [Fact]
    public async Task The_access_log_says_who_consulted_a_case_why_and_what_they_were_told()
    {
        var nl = hub.Cases("NL-TBKK", user: "j.devries");
        var caseId = await nl.OpenedCase();
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-SECRET-REF", AgeBand = AgeBand.Under13, Country = "NL" });
        await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "preparing the interview, NL ticket 42" } }, new Metadata { { "x-correlation-id", "NL-42" } });
        await Failure(() => hub.Cases("BE-FCCU", user: "p.peeters").GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "curiosity" } }).ResponseAsync);

        var records = await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId });

        var consulted = Assert.Single(records, r => r.Unit == "NL-TBKK");
        Assert.Equal(("GetCase", AccessOutcome.Allowed, "j.devries"), (consulted.Operation, consulted.Outcome, consulted.User));
        Assert.Equal("preparing the interview, NL ticket 42", consulted.Justification);
        Assert.Equal("NL-42", consulted.CorrelationId);
        Assert.Equal("NL-TBKK", consulted.RecipientUnit);
        Assert.Contains("1 victim links", consulted.Disclosed);
        Assert.Contains("NL-TBKK", consulted.CertificateSubject);
        var refused = Assert.Single(records, r => r.Unit == "BE-FCCU");
        Assert.Equal((AccessOutcome.Refused, "p.peeters", "curiosity", ""), (refused.Outcome, refused.User, refused.Justification, refused.RecipientUnit));
        Assert.All(records, r => Assert.DoesNotContain("V-SECRET-REF", r.ToString()));
        Assert.All(records, r => Assert.Equal(caseId, r.CaseId));
        Assert.True(records.Zip(records.Skip(1)).All(p => p.First.At.ToDateTimeOffset() <= p.Second.At.ToDateTimeOffset()), "oldest first");

        // Filters combine: by unit, and by a time range that excludes everything.
        // (Compared by global position: the log position appears once the log has caught up.)
        Assert.Equal([refused.Sequence], (await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "BE-FCCU" })).Select(r => r.Sequence));
        Assert.Empty(await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, To = Timestamp.FromDateTimeOffset(consulted.At.ToDateTimeOffset().AddMinutes(-1)) }));
        Assert.Equal([consulted.Sequence, refused.Sequence], (await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, From = consulted.At })).Where(r => r.Unit != "EU-AUDIT").Select(r => r.Sequence));
        Assert.Equal([consulted.Sequence], (await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, MaxRecords = 1 })).Select(r => r.Sequence));
        // The auditor's own questions about the case are on record too.
        Assert.Contains(await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "EU-AUDIT" }), r => r.Operation == "QueryAccessLog");
    }

    [Fact]
    public async Task Who_looked_up_this_phone_number_and_what_were_they_told()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var number = $"06-{Random.Shared.Next(10_000_000, 19_999_999)}";
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, number));
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await hub.Audit("NL-TBKK", user: "k.jansen").GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = new() { Purpose = "which numbers did we hold in March" }, Version = 2 });

        // Asked in another format, canonicalised as on ingest (a national number in the region's format).
        var international = "+31 6 " + number[3..];
        var records = await Auditor.AccessLog(new QueryAccessLogRequest
        {
            Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.PhoneNumber, Value = international },
            From = Timestamp.FromDateTimeOffset(started),
        });
        var lookedUp = Assert.Single(records, r => r.Unit == "NL-TBKK");
        // The other records are the auditors' own questions about the number.
        Assert.All(records.Where(r => r != lookedUp), r => Assert.Equal(("EU-AUDIT", "QueryAccessLog"), (r.Unit, r.Operation)));
        Assert.Equal(("NL-TBKK", "k.jansen", "GetCaseAsOf"), (lookedUp.Unit, lookedUp.User, lookedUp.Operation));
        Assert.Equal("which numbers did we hold in March", lookedUp.Justification);
        Assert.Contains("1 identifiers", lookedUp.Disclosed);
        // Named by pseudonym, never by value.
        Assert.Equal([HubFixture.Pseudonyms.Of("phone:+316" + number[3..])], lookedUp.IdentifierKeys);
        var key = lookedUp.IdentifierKeys.Single();
        Assert.Equal([lookedUp.Sequence], (await Auditor.AccessLog(new QueryAccessLogRequest { IdentifierKey = key })).Where(r => r.Unit != "EU-AUDIT").Select(r => r.Sequence));
        Assert.Empty(await Auditor.AccessLog(new QueryAccessLogRequest { IdentifierKey = key, Unit = "BE-FCCU" }));
    }

    [Fact]
    public async Task Calls_refused_before_any_RPC_runs_are_recorded_too()
    {
        // Refusals are recorded per source and window, the first at once: end the windows other tests opened.
        await hub.Factory.Services.GetRequiredService<EvidenceHub.Hub.Audit.RefusedCalls>().Flush(all: true);
        var from = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1));
        var anonymous = new CaseService.CaseServiceClient(hub.Channel(certificate: null, user: "mallory"));
        Assert.Equal(StatusCode.Unauthenticated, (await Failure(() => anonymous.GetCaseAsync(new GetCaseRequest { CaseId = NewId(), Justification = new() { Purpose = "x" } }).ResponseAsync)).Code);
        var forged = new CaseService.CaseServiceClient(hub.Channel(ThrowawayPki.UntrustedClientCertificate("NL-TBKK"), user: "mallory"));
        Assert.Equal(StatusCode.Unauthenticated, (await Failure(() => forged.GetCaseAsync(new GetCaseRequest { CaseId = NewId(), Justification = new() { Purpose = "x" } }).ResponseAsync)).Code);
        var partner = hub.Audit("US-HSI-C3", user: "agent.smith");
        Assert.Equal(StatusCode.PermissionDenied, (await Failure(() => partner.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "x" } }).ResponseAsync)).Code);

        var records = await Auditor.AccessLog(new QueryAccessLogRequest { From = from });
        var unknown = records.Where(r => r.Unit == "" && r.Operation.Contains("GetCase")).ToList();
        Assert.Equal(2, unknown.Count);
        Assert.All(unknown, r => Assert.Equal("", r.User)); // no headers of unauthenticated callers are kept
        Assert.All(unknown, r => Assert.Equal(("/evidencehub.v1.CaseService/GetCase", AccessOutcome.Refused), (r.Operation, r.Outcome)));
        Assert.Contains(unknown, r => r.CertificateSubject.Contains("CN=NL-TBKK") && r.Asked.Contains("certificate not accepted"));
        Assert.Contains(unknown, r => r.CertificateSubject == "" && r.Asked.Contains("no client certificate"));
        var denied = Assert.Single(await Auditor.AccessLog(new QueryAccessLogRequest { From = from, Unit = "US-HSI-C3" }), r => r.User == "agent.smith");
        Assert.Equal(("/evidencehub.v1.AuditService/VerifyLog", AccessOutcome.Refused, "agent.smith"), (denied.Operation, denied.Outcome, denied.User));
    }

    [Fact]
    public async Task Every_use_of_the_audit_service_is_itself_in_the_access_log()
    {
        await hub.Cases("NL-TBKK").OpenedCase();
        await Auditor.CheckpointCovering(1);
        var from = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1));
        var audit = hub.Audit("EU-AUDIT", user: "inspector.m");
        await audit.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = new() { Purpose = "court request 7" } });
        await audit.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "court request 7" } });
        await audit.AccessLog(new QueryAccessLogRequest { From = from });

        var records = await Auditor.AccessLog(new QueryAccessLogRequest { From = from, Unit = "EU-AUDIT" });
        var own = records.Where(r => r.User == "inspector.m").ToList();
        Assert.Equal(["GetLogCheckpoint", "VerifyLog", "QueryAccessLog"], own.Select(r => r.Operation));
        Assert.Equal("court request 7", own[0].Justification);
        Assert.Contains("signed checkpoint", own[0].Disclosed);
        Assert.Contains("log intact", own[1].Disclosed);
        Assert.All(own, r => Assert.Equal(AccessOutcome.Allowed, r.Outcome));
    }

    [Fact]
    public async Task Replayed_events_are_in_the_signed_log_and_their_inclusion_verifies_independently()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.Iban, "NL91ABNA0417164300"));
        var events = await Auditor.ReplayLogged(caseId);
        var checkpoint = await Auditor.CheckpointCovering(events.Max(e => e.LogPosition) + 1);
        AuditClient.AssertSigned(checkpoint);

        foreach (var e in events)
        {
            var proof = await Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = AuditClient.Why, Position = e.LogPosition, TreeSize = checkpoint.TreeSize });
            var leaf = proof.Entry.Leaf.ToByteArray();
            var leafHash = Rfc9162.LeafHash(leaf);
            Assert.Equal(e.LeafHash.ToByteArray(), leafHash);
            Assert.Equal(proof.Entry.LeafHash.ToByteArray(), leafHash);
            Assert.Equal(checkpoint.RootHash, proof.RootHash);
            Assert.True(Rfc9162.VerifyInclusion(e.LogPosition, checkpoint.TreeSize, leafHash, proof.AuditPath.Select(p => p.ToByteArray()).ToList(), checkpoint.RootHash.ToByteArray()));

            // The leaf says which event it is and commits to the event's data by hash, without disclosing it.
            using var parsed = JsonDocument.Parse(leaf);
            var root = parsed.RootElement;
            Assert.Equal(e.Sequence, root.GetProperty("sequence").GetInt64());
            Assert.Equal(caseId, root.GetProperty("stream").GetString());
            Assert.Equal(e.Version, root.GetProperty("version").GetInt64());
            Assert.Equal(e.EventType, root.GetProperty("type").GetString());
            Assert.Equal(e.CommandId, root.GetProperty("causation_id").GetString());
            Assert.Equal(AuditClient.Sha256Hex(e.DataJson), root.GetProperty("data_sha256").GetString());
            Assert.DoesNotContain("NL91ABNA0417164300", Encoding.UTF8.GetString(leaf));
        }
    }

    [Fact]
    public async Task Consistency_and_inclusion_proofs_verify_for_many_tree_sizes_against_roots_computed_from_the_leaves()
    {
        var nl = hub.Cases("NL-TBKK");
        for (var i = 0; i < 5; i++) await nl.OpenedCase();
        var first = await Auditor.CheckpointCovering(1);
        for (var i = 0; i < 5; i++) await nl.OpenedCase();
        var second = await Auditor.CheckpointCovering(first.TreeSize + 5);
        AuditClient.AssertSigned(first);
        AuditClient.AssertSigned(second);

        // The signed checkpoints agree with each other.
        var signed = await Auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = AuditClient.Why, FirstSize = first.TreeSize, SecondSize = second.TreeSize });
        Assert.True(Rfc9162.VerifyConsistency(first.TreeSize, second.TreeSize, first.RootHash.ToByteArray(), second.RootHash.ToByteArray(), signed.ConsistencyPath.Select(p => p.ToByteArray()).ToList()));

        // Every leaf fetched and hashed here, every root computed here: the hub's proofs must fit them.
        var n = (int)second.TreeSize;
        var entries = await Auditor.Entries(0, n);
        Assert.Equal(Enumerable.Range(0, n).Select(p => (long)p), entries.Select(e => e.Position));
        var leafHashes = entries.Select(e => Rfc9162.LeafHash(e.Leaf.ToByteArray())).ToList();
        Assert.Equal(entries.Select(e => e.LeafHash.ToByteArray()), leafHashes);
        Assert.Equal(second.RootHash.ToByteArray(), Rfc9162.Root(leafHashes, 0, n));

        var sizes = new SortedSet<int> { 1, 2, 3, 4, 5, 7, 8, 9, n / 3, n / 2, n - 1, n }.Where(s => s >= 1 && s <= n).ToList();
        foreach (var size in sizes)
        {
            var root = Rfc9162.Root(leafHashes, 0, size);
            foreach (var older in sizes.Where(s => s <= size))
            {
                var proof = await Auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = AuditClient.Why, FirstSize = older, SecondSize = size });
                Assert.True(Rfc9162.VerifyConsistency(older, size, Rfc9162.Root(leafHashes, 0, older), root, proof.ConsistencyPath.Select(p => p.ToByteArray()).ToList()), $"consistency {older} → {size}");
            }
            foreach (var position in new[] { 0, size / 2, size - 1 }.Distinct())
            {
                var proof = await Auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = AuditClient.Why, Position = position, TreeSize = size });
                Assert.Equal(root, proof.RootHash.ToByteArray());
                Assert.True(Rfc9162.VerifyInclusion(position, size, leafHashes[position], proof.AuditPath.Select(p => p.ToByteArray()).ToList(), root), $"inclusion {position} in {size}");
            }
        }

        // A checkpoint, once signed, stays what it was.
        var again = await Auditor.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = AuditClient.Why, TreeSize = first.TreeSize });
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task An_untouched_log_verifies_intact()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var events = await Auditor.ReplayLogged(caseId);
        var verification = await Auditor.VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why });
        Assert.True(verification.Intact, verification.Problem);
        Assert.False(verification.HasFirstBadPosition);
        Assert.True(verification.EntriesChecked > events.Max(e => e.LogPosition));
        Assert.True(verification.CheckpointsChecked >= 1);
    }

    private static Case Microseconds(Case c)
    {
        var copy = c.Clone();
        foreach (var t in new[] { copy.OpenedAt, copy.UpdatedAt }.Concat(copy.Identifiers.Select(i => i.AddedAt)).Concat(copy.VictimLinks.Select(v => v.LinkedAt)).Concat(copy.Handoffs.Select(h => h.RequestedAt)))
            if (t is not null) t.Nanos -= t.Nanos % 1000;
        return copy;
    }

    private static async Task Drain<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }

    private static async Task<(StatusCode, string?)> CodeAndField(Func<Task> call)
    {
        var failure = await Failure(call);
        return (failure.Code, failure.Field);
    }
}
