using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Cases;

/// Case ids never meet the hub's own stream ids, a case the caller may not see is indistinguishable from one that
/// does not exist, cases can be named by the caller's own reference, and every refused command is in the access log.
[Collection(CasesHub.Name)]
public sealed class CaseAccessTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private AuditService.AuditServiceClient Auditor => hub.Audit("EU-AUDIT");

    /// The whole google.rpc.Status of a refused call, with the asked id replaced, to compare two refusals exactly.
    private static async Task<string> Refusal(Func<Task> call, string asked)
    {
        var (_, _, status) = await Failure(call);
        return Encoding.Latin1.GetString(status.ToByteArray()).Replace(asked, "<asked>");
    }

    private static string Normalized(Google.Rpc.Status status, string asked) => Encoding.Latin1.GetString(status.ToByteArray()).Replace(asked, "<asked>");

    private static async Task Drain<T>(AsyncServerStreamingCall<T> call)
    {
        using (call) await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
    }

    private static async Task<List<SyncResult>> SyncAll(CaseService.CaseServiceClient client, IEnumerable<SyncCommand> commands)
    {
        using var call = client.Sync();
        foreach (var command in commands) await call.RequestStream.WriteAsync(command);
        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    private static OpenCaseRequest OpenByReference(string reference) => new()
    {
        CommandId = NewId(), Reference = reference, OffenceType = OffenceType.Sextortion,
        SharingPolicy = new SharingPolicy { Tlp = Tlp.Green, HandlingCode = HandlingCode.H0 },
    };

    private static string Reference() => "REF-" + Guid.NewGuid().ToString("N")[..12];

    /// Every read and write of a case, as the given unit, naming the case by id.
    private static IEnumerable<(string Name, Func<Task> Call)> CaseCalls(HubFixture hub, string unit, string caseId)
    {
        var cases = hub.Cases(unit);
        var audit = hub.Audit(unit);
        yield return ("GetCase", () => cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "probe" } }).ResponseAsync);
        yield return ("ReplayCase", () => Drain(audit.ReplayCase(new ReplayCaseRequest { CaseId = caseId, Justification = new() { Purpose = "probe" } })));
        yield return ("GetCaseAsOf", () => audit.GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Justification = new() { Purpose = "probe" }, Version = 1 }).ResponseAsync);
        yield return ("GetNetwork", () => hub.Lookups(unit).GetNetworkAsync(new GetNetworkRequest { CaseId = caseId, Justification = new Justification { Purpose = "probe" } }).ResponseAsync);
        if (unit == "EU-AUDIT") yield break;
        yield return ("AddSuspectIdentifier", () => cases.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = caseId, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "probe@example.com" },
        }).ResponseAsync);
        // A stale version and the right one alike: the version of a case the caller may not see never shows.
        yield return ("AddSuspectIdentifier, stale version", () => cases.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = caseId, ExpectedVersion = 1, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "probe@example.com" },
        }).ResponseAsync);
        yield return ("CloseCase, current version", () => cases.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, ExpectedVersion = 3, Reason = "probe" }).ResponseAsync);
        yield return ("LinkVictim", () => cases.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "NL" }).ResponseAsync);
        yield return ("RequestHandoff", () => cases.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = "probe" }).ResponseAsync);
        yield return ("AcceptHandoff", () => cases.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = NewId() }).ResponseAsync);
        yield return ("RetractSuspectIdentifier", () => cases.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = "email:probe@example.com", Reason = "probe" }).ResponseAsync);
    }

    /// The same commands inside Sync.
    private static IEnumerable<SyncCommand> SyncCalls(string caseId) =>
    [
        new() { AddSuspectIdentifier = new AddSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, ExpectedVersion = 1, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = "probe@example.com" } } },
        new() { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, ExpectedVersion = 3, Reason = "probe" } },
        new() { LinkVictim = new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "NL" } },
        new() { RequestHandoff = new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = "probe" } },
    ];

    /// A RED case of NL-TBKK at version 3 (opened, an identifier, a victim), and the key of its identifier.
    private async Task<(string CaseId, string Key)> RedCase(string email)
    {
        var caseId = await nl.OpenedCase(Tlp.Red);
        var added = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email));
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-RED-1", AgeBand = AgeBand.Under13, Country = "NL" });
        return (caseId, added.Identifier.Key);
    }

    [Fact]
    public async Task Only_random_version_4_ids_open_cases_and_the_hub_assigns_one_when_none_is_given()
    {
        foreach (var id in new[] { Guid.CreateVersion7().ToString(), IdentifierCorrelations.StreamIdFor("email:x@example.com").ToString(), "8a6f0c5e-3b1d-5f4e-9c2a-7d1e0b4f6a93", "not-a-uuid" })
        {
            var refused = await Failure(() => nl.OpenCaseAsync(OpenCase(caseId: id)).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, "case_id"), (refused.Code, refused.Field));
            Assert.Contains("UUIDv4", refused.Status.Message);
        }

        var chosen = Guid.NewGuid().ToString();
        Assert.Equal(chosen, (await nl.OpenCaseAsync(OpenCase(caseId: chosen))).CaseId);
        var assigned = new[] { await nl.OpenCaseAsync(OpenByReference(Reference())), await nl.OpenCaseAsync(OpenByReference(Reference())) }
            .Select(r => Guid.Parse(r.CaseId).ToByteArray(bigEndian: true)).ToList();
        Assert.All(assigned, bytes => Assert.Equal((4, 0x80), (bytes[6] >> 4, bytes[8] & 0xC0)));
        Assert.NotEqual(assigned[0], assigned[1]);
    }

    [Fact]
    public async Task An_identifiers_stream_cannot_become_a_case_and_reads_and_writes_of_it_answer_as_for_a_random_id()
    {
        var email = Unique.Email();
        var (_, key) = await RedCase(email);
        var beCase = await be.OpenedCase();
        await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, email));
        var streamId = IdentifierCorrelations.StreamIdFor(HubFixture.Pseudonyms.Of(key)); // the stream of the identifier's pseudonym
        await using (var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession())
            Assert.NotEmpty((await session.LoadAsync<IdentifierCorrelations>(streamId))!.Correlations); // the stream holds both parties

        // Neither the existing stream nor one of an identifier nobody holds yet (to tap its future correlations).
        foreach (var target in new[] { streamId, IdentifierCorrelations.StreamIdFor(HubFixture.Pseudonyms.Of("email:" + Unique.Email())) })
        {
            var opened = await Failure(() => be.OpenCaseAsync(OpenCase(caseId: target.ToString())).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, "case_id"), (opened.Code, opened.Field));
            var synced = Assert.Single(await SyncAll(be, [new SyncCommand { OpenCase = OpenCase(caseId: target.ToString()) }]));
            Assert.Equal((int)StatusCode.InvalidArgument, synced.Error.Code);
        }

        var random = NewId();
        foreach (var unit in new[] { "BE-FCCU", "NL-TBKK", "EU-AUDIT" })
        {
            var onStream = CaseCalls(hub, unit, streamId.ToString()).ToList();
            var onRandom = CaseCalls(hub, unit, random).ToList();
            for (var i = 0; i < onStream.Count; i++)
            {
                var (name, call) = onStream[i];
                var (code, _, _) = await Failure(onRandom[i].Call);
                Assert.True(code == StatusCode.NotFound, $"{unit} {name}: {code}");
                Assert.Equal(await Refusal(onRandom[i].Call, random), await Refusal(call, streamId.ToString()));
            }
        }
    }

    [Fact]
    public async Task Another_units_case_answers_exactly_as_a_case_that_does_not_exist_with_no_owner_and_no_version()
    {
        var (red, _) = await RedCase(Unique.Email());
        var random = NewId();
        var hidden = CaseCalls(hub, "BE-FCCU", red).ToList();
        var missing = CaseCalls(hub, "BE-FCCU", random).ToList();
        for (var i = 0; i < hidden.Count; i++)
        {
            var refusal = await Refusal(hidden[i].Call, red);
            Assert.True(refusal == await Refusal(missing[i].Call, random), hidden[i].Name);
            Assert.DoesNotContain("NL-TBKK", refusal);
            Assert.DoesNotContain("version 3", refusal);
        }

        var hiddenInSync = await SyncAll(be, SyncCalls(red));
        var missingInSync = await SyncAll(be, SyncCalls(random));
        Assert.All(hiddenInSync, r => Assert.Equal((int)StatusCode.NotFound, r.Error.Code));
        Assert.Equal(missingInSync.Select(r => Normalized(r.Error, random)), hiddenInSync.Select(r => Normalized(r.Error, red)));

        // Nothing was written: the case is where it was.
        Assert.Equal(3, (await nl.GetCaseAsync(new GetCaseRequest { CaseId = red, Justification = new() { Purpose = "check" } })).Version);
    }

    [Fact]
    public async Task Another_unit_cannot_block_an_import_by_opening_its_cases_first()
    {
        // The import names its case by reference and opens it without an id: whatever BE-FCCU opens first (its own
        // reference, the same text, any id it likes) cannot take NL-TBKK's case or its reference.
        var reference = Reference();
        await be.OpenCaseAsync(OpenByReference(reference));
        await be.OpenCaseAsync(OpenCase(caseId: Guid.NewGuid().ToString()));

        var results = await SyncAll(nl,
        [
            new SyncCommand { OpenCase = OpenByReference(reference) },
            new SyncCommand { AddSuspectIdentifier = new AddSuspectIdentifierRequest { CommandId = NewId(), CaseReference = reference, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } } },
        ]);
        Assert.All(results, r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "check" } });
        Assert.Equal(("NL-TBKK", results[0].Result.CaseId, 1), (file.OwnerUnit, file.CaseId, file.Identifiers.Count));
    }

    [Fact]
    public async Task A_unit_names_its_own_cases_by_reference_in_unary_calls()
    {
        var reference = Reference();
        var opened = await nl.OpenCaseAsync(OpenByReference(reference));
        var added = await nl.AddSuspectIdentifierAsync(new AddSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseReference = " " + reference + " ", Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() },
        });
        Assert.Equal((opened.CaseId, 2L), (added.CaseId, added.Version));
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "own case" } });
        Assert.Equal((opened.CaseId, 1), (file.CaseId, file.Identifiers.Count));

        // Only the caller's own references: BE-FCCU's reference of the same text is no case of NL-TBKK's, and the
        // answer to BE-FCCU for NL-TBKK's reference is that of a reference nobody has.
        var unknown = Reference();
        var foreign = await Failure(() => be.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "probe" } }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_reference"), (foreign.Code, foreign.Field));
        Assert.Equal(await Refusal(() => be.GetCaseAsync(new GetCaseRequest { CaseReference = unknown, Justification = new() { Purpose = "probe" } }).ResponseAsync, unknown),
            Normalized(foreign.Status, reference));
        var foreignWrite = await Failure(() => be.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseReference = reference, Reason = "probe" }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_reference"), (foreignWrite.Code, foreignWrite.Field));

        var both = await Failure(() => nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = opened.CaseId, CaseReference = reference, Reason = "x" }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "case_reference"), (both.Code, both.Field));
        var neither = await Failure(() => nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), Reason = "x" }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "case_id"), (neither.Code, neither.Field));
        var neitherRead = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { Justification = new() { Purpose = "x" } }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "case_id"), (neitherRead.Code, neitherRead.Field));
    }

    [Fact]
    public async Task In_one_Sync_stream_a_case_opened_by_reference_is_named_by_it_at_once()
    {
        var reference = Reference();
        var (first, second) = (Unique.Email(), Unique.Email());
        var results = await SyncAll(nl,
        [
            new SyncCommand { OpenCase = OpenByReference(reference) },
            new SyncCommand { AddSuspectIdentifier = new AddSuspectIdentifierRequest { CommandId = NewId(), CaseReference = reference, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = first } } },
            new SyncCommand { AddSuspectIdentifier = new AddSuspectIdentifierRequest { CommandId = NewId(), CaseReference = reference, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = second } } },
            new SyncCommand { LinkVictim = new LinkVictimRequest { CommandId = NewId(), CaseReference = reference, VictimReference = "V-1", AgeBand = AgeBand._16To17, Country = "BE" } },
            // A second open of the same reference fails, and what follows still names the first case.
            new SyncCommand { OpenCase = OpenByReference(reference) },
            new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseReference = reference, Reason = "done" } },
            new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseReference = Reference(), Reason = "no such case" } },
        ]);
        var caseId = results[0].Result.CaseId;
        Assert.All(results.Take(4).Append(results[5]), r => Assert.Equal(caseId, r.Result.CaseId));
        Assert.Equal((int)StatusCode.AlreadyExists, results[4].Error.Code);
        Assert.Equal((int)StatusCode.NotFound, results[6].Error.Code);
        Assert.Equal("case_reference", results[6].Error.GetDetail<Google.Rpc.BadRequest>().FieldViolations[0].Field);

        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseReference = reference, Justification = new() { Purpose = "check" } });
        Assert.Equal((2, 1, CaseStatus.Closed), (file.Identifiers.Count, file.VictimLinks.Count, file.Status));

        // A later stream finds it by its reference too.
        var later = Assert.Single(await SyncAll(nl, [new SyncCommand { AddSuspectIdentifier = new AddSuspectIdentifierRequest { CommandId = NewId(), CaseReference = reference, Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = first } } }]));
        Assert.Equal(((int)StatusCode.FailedPrecondition, "CASE_CLOSED"), (later.Error.Code, later.Error.GetDetail<Google.Rpc.ErrorInfo>().Reason));
    }

    [Fact]
    public async Task A_reference_whose_open_failed_in_the_burst_names_no_case_not_the_one_its_id_collided_with()
    {
        var existing = OpenCase(caseId: Guid.NewGuid().ToString());
        await nl.OpenCaseAsync(existing);
        var reused = OpenByReference(Reference());
        reused.CaseId = existing.CaseId;
        var results = await SyncAll(nl,
        [
            new SyncCommand { OpenCase = reused },
            new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseReference = reused.Reference, Reason = "wrong case" } },
        ]);
        Assert.Equal(((int)StatusCode.AlreadyExists, (int)StatusCode.NotFound), (results[0].Error.Code, results[1].Error.Code));
        Assert.Equal("case_reference", results[1].Error.GetDetail<Google.Rpc.BadRequest>().FieldViolations[0].Field);
        Assert.Equal(CaseStatus.Open, (await nl.GetCaseAsync(new GetCaseRequest { CaseId = existing.CaseId, Justification = new() { Purpose = "check" } })).Status);
    }

    [Fact]
    public async Task Every_refused_command_inside_Sync_and_outside_is_in_the_access_log()
    {
        var from = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1));
        var (red, _) = await RedCase(Unique.Email());
        var own = await nl.OpenCaseAsync(OpenByReference(Reference()));
        var ownReference = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = own.CaseId, Justification = new() { Purpose = "check" } })).Reference;
        var missing = NewId();
        var prober = hub.Cases("BE-FCCU", user: "sync.prober");
        var beOwn = await prober.OpenCaseAsync(OpenByReference(Reference()));
        var beReference = (await prober.GetCaseAsync(new GetCaseRequest { CaseId = beOwn.CaseId, Justification = new() { Purpose = "check" } })).Reference;

        var results = await SyncAll(prober,
        [
            new SyncCommand { AddSuspectIdentifier = AddIdentifier(red, IdentifierKind.EmailAddress, Unique.Email()) },                       // hidden case
            new SyncCommand { AddSuspectIdentifier = AddIdentifier(missing, IdentifierKind.EmailAddress, Unique.Email()) },                   // no case
            new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseId = beOwn.CaseId, ExpectedVersion = 7, Reason = "x" } }, // stale
            new SyncCommand { OpenCase = OpenByReference(beReference) },                                                                       // duplicate reference
            new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseReference = ownReference, Reason = "x" } },          // NL's reference
        ]);
        Assert.Equal([StatusCode.NotFound, StatusCode.NotFound, StatusCode.FailedPrecondition, StatusCode.AlreadyExists, StatusCode.NotFound],
            results.Select(r => (StatusCode)r.Error.Code));
        var unary = await Failure(() => prober.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = red, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "BE" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unary.Code);

        var records = (await Auditor.AccessLog(new QueryAccessLogRequest { From = from, Unit = "BE-FCCU" }))
            .Where(r => r.User == "sync.prober" && r.Outcome == AccessOutcome.Refused).ToList();
        void Recorded(string operation, string caseId, string refused, bool inSync = true) =>
            Assert.Contains(records, r => r.Operation == operation && r.CaseId == caseId && r.Asked.Contains(caseId)
                                          && r.Asked.EndsWith(" in Sync") == inSync && r.Disclosed.Contains(refused) && r.RecipientUnit == "");
        Recorded("AddSuspectIdentifier", red, "NotFound");
        Recorded("AddSuspectIdentifier", missing, "NotFound");
        Recorded("CloseCase", beOwn.CaseId, "FailedPrecondition STALE_VERSION");
        Assert.Contains(records, r => r.Operation == "OpenCase" && r.Disclosed.Contains("AlreadyExists"));
        Assert.Contains(records, r => r.Operation == "CloseCase" && r.CaseId == "" && r.Asked.Contains(ownReference) && r.Disclosed.Contains("NotFound"));
        Recorded("LinkVictim", red, "NotFound", inSync: false);
        // An auditor asking about the hidden case finds both probes of it.
        var aboutRed = await Auditor.AccessLog(new QueryAccessLogRequest { From = from, CaseId = red, Unit = "BE-FCCU" });
        Assert.Equal(2, aboutRed.Count(r => r.User == "sync.prober"));
    }
}
