using System.Security.Cryptography;
using System.Text.Json;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Takedown;

/// A hub of its own for the takedown tests (the clock moves); the suite's units include two hosting parties.
public sealed class TakedownHub : HubFixture
{
    public const string Provider = "NL-HOSTER-1";
    public const string OtherProvider = "NL-HOSTER-2";
}

/// Issue 14 part 5, second half, over real gRPC and PostgreSQL: a unit files a takedown request, the provider sees it
/// on its feed and answers, the unit is told and reads the history, every step is in the access log and the Merkle
/// log, an open request is notified again with the hub's clock moved a day on. A hub of its own: the clock moves.
public sealed class TakedownTests(TakedownHub hub) : IClassFixture<TakedownHub>
{
    private const string Provider = TakedownHub.Provider;
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly TakedownService.TakedownServiceClient hoster = new(hub.Channel(hub.CertificateOf(Provider), "abuse-desk"));
    private readonly TakedownService.TakedownServiceClient otherHoster = new(hub.Channel(hub.CertificateOf(TakedownHub.OtherProvider), "abuse-desk"));
    private readonly TakedownService.TakedownServiceClient nlTakedown = new(hub.Channel(hub.CertificateOf("NL-TBKK")));
    private readonly TakedownService.TakedownServiceClient beTakedown = new(hub.Channel(hub.CertificateOf("BE-FCCU")));
    private readonly TakedownService.TakedownServiceClient auditorTakedown = new(hub.Channel(hub.CertificateOf("EU-AUDIT"), "supervisor"));

    private TimedWorkRunner Runner => hub.Factory.Services.GetRequiredService<TimedWorkRunner>();

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static AddMediaRequest Media(string caseId, string? sha256 = null, int category = 1) => new()
    {
        CommandId = NewId(), CaseId = caseId, Sha256 = sha256 ?? Hex(32), Md5 = Hex(16), Category = category, Distributed = true, VictimIdentified = true,
    };

    private static FileTakedownRequestRequest Filing(string caseId, string provider, params string[] media) => new()
    {
        CommandId = NewId(), CaseId = caseId, Provider = provider, Media = { media },
        Locations = { "https://files.hoster.example/u/4411/pic.jpg" }, Note = "Sexual image of a minor, shared without consent; please remove.",
    };

    private async Task<(string CaseId, AddMediaRequest Media)> CaseWithMedia(CaseService.CaseServiceClient unit, Tlp tlp = Tlp.Red, string? sha256 = null)
    {
        var caseId = await unit.OpenedCase(tlp);
        var media = Media(caseId, sha256, category: 2);
        await unit.AddMediaAsync(media);
        return (caseId, media);
    }

    private async Task<List<FeedItem>> FeedOf(string unit, Func<FeedItem, bool> about) => (await hub.FeedAfter(unit, 0)).Where(about).ToList();

    private static Func<FeedItem, bool> Notice(string requestId) => i => i.Takedown?.RequestId == requestId;

    private static Func<FeedItem, bool> Answer(string requestId) => i => i.TakedownAnswer?.RequestId == requestId;

    private static GetTakedownRequestRequest Read(string requestId) => new() { RequestId = requestId, Justification = AuditClient.Why };

    [Fact]
    public async Task Filed_the_provider_sees_only_what_it_needs_acknowledges_and_reports_removal_and_the_unit_sees_each_step()
    {
        var (caseId, media) = await CaseWithMedia(nl);
        var reference = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why })).Reference;
        var versionBefore = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why })).Version;

        var filed = await nl.FileTakedownRequestAsync(Filing(caseId, Provider, media.Sha256));
        Assert.NotEmpty(filed.RequestId);
        Assert.Empty(filed.AlreadyOpen);
        // The request is no change of the case: its events are on the request's own stream.
        Assert.Equal((caseId, versionBefore), (filed.CaseId, filed.Version));

        var notice = Assert.Single(await FeedOf(Provider, Notice(filed.RequestId))).Takedown;
        var material = Assert.Single(notice.Material);
        Assert.Equal((media.Sha256, media.Md5, 2), (material.Sha256, material.Md5, material.Category));
        Assert.Equal(["https://files.hoster.example/u/4411/pic.jpg"], notice.Locations);
        Assert.Equal(("NL-TBKK", "NL", 1, TakedownStatus.Open), (notice.RequestingUnit, notice.RequestingCountry, notice.Notification, notice.Status));
        Assert.StartsWith("Sexual image", notice.Note);
        // Never the case, its reference, the analyst or the VICS victim flag.
        var told = JsonFormatter.Default.Format(notice);
        Assert.DoesNotContain(caseId, told);
        Assert.DoesNotContain(reference, told);
        Assert.DoesNotContain("analyst", told);
        Assert.DoesNotContain("ictim", told);
        // Nothing but takedown notices ever reaches a provider's feed.
        Assert.All(await hub.FeedAfter(Provider, 0), i => Assert.Equal(FeedItem.ItemOneofCase.Takedown, i.ItemCase));

        Assert.Contains((await hoster.ListNoticesAsync(new ListNoticesRequest { OpenOnly = true })).Notices, n => n.RequestId == filed.RequestId);
        Assert.Equal(TakedownStatus.Open, (await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = filed.RequestId })).Status);

        var acknowledged = await hoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = filed.RequestId, Note = "ticket ABUSE-991" });
        Assert.Equal(TakedownStatus.Acknowledged, acknowledged.Status);
        Assert.Equal(StatusCode.FailedPrecondition, (await Failure(() => hoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = filed.RequestId }).ResponseAsync)).Code);
        var removed = await hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = filed.RequestId, Note = "deleted, account closed" });
        Assert.Equal((TakedownStatus.Removed, "deleted, account closed"), (removed.Status, removed.Answer));
        var final = await Failure(() => hoster.RefuseAsync(new RefuseRequest { RequestId = filed.RequestId, Reason = "changed our mind" }).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_ANSWERED"), (final.Code, final.Status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason));

        var answers = (await FeedOf("NL-TBKK", Answer(filed.RequestId))).Select(i => i.TakedownAnswer).ToList();
        Assert.Equal([TakedownStatus.Acknowledged, TakedownStatus.Removed], answers.Select(a => a.Status));
        Assert.All(answers, a => Assert.Equal((caseId, reference, Provider), (a.CaseId, a.CaseReference, a.Provider)));
        Assert.Equal("deleted, account closed", answers[1].Answer);

        var history = await nlTakedown.GetTakedownRequestAsync(Read(filed.RequestId));
        Assert.Equal((caseId, "NL-TBKK", Provider, TakedownStatus.Removed), (history.CaseId, history.RequestingUnit, history.Provider, history.Status));
        Assert.Equal([TakedownStepKind.Filed, TakedownStepKind.Acknowledged, TakedownStepKind.Removed], history.History.Select(s => s.Kind));
        Assert.Equal([("NL-TBKK", "analyst"), (Provider, "abuse-desk"), (Provider, "abuse-desk")], history.History.Select(s => (s.Unit, s.User)));
        Assert.Null(history.NextNotificationAt);
        // Auditors read it too, and list the case's requests.
        Assert.Equal(history, await auditorTakedown.GetTakedownRequestAsync(Read(filed.RequestId)));
        var listed = await auditorTakedown.ListTakedownRequestsAsync(new ListTakedownRequestsRequest { Justification = AuditClient.Why, CaseId = caseId });
        Assert.Equal(history, Assert.Single(listed.Requests));

        // Every step in the access log, about the case.
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        foreach (var (unit, operation) in new[] { ("NL-TBKK", "FileTakedownRequest"), (Provider, "Acknowledge"), (Provider, "ReportRemoved"), ("NL-TBKK", "GetTakedownRequest"), ("EU-AUDIT", "ListTakedownRequests") })
            Assert.Contains(records, r => r.Unit == unit && r.Operation == operation && r.Outcome == AccessOutcome.Allowed);
        Assert.Contains(records, r => r.Unit == Provider && r.Operation == "Refuse" && r.Outcome == AccessOutcome.Refused);
        var providerRecords = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = Provider });
        Assert.Contains(providerRecords, r => r.Operation == "Subscribe" && r.Disclosed.Contains("takedown"));
        Assert.Contains(providerRecords, r => r.Operation == "GetNotice" && r.Outcome == AccessOutcome.Allowed);

        // And in the tamper-evident log, like every event.
        var types = await LoggedTypesOf(filed.RequestId, 3);
        Assert.Equal(["takedown_filed", "takedown_acknowledged", "takedown_removed"], types);
        Assert.True((await hub.Audit("EU-AUDIT").VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why })).Intact);
    }

    /// The event types of a stream's leaves in the Merkle log, once it holds the expected number of them.
    private async Task<List<string>> LoggedTypesOf(string streamId, int expected)
    {
        var audit = hub.Audit("EU-AUDIT");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var leaves = (await audit.Entries(0, 10_000)).Select(e => JsonDocument.Parse(e.Leaf.ToByteArray()).RootElement)
                .Where(l => l.GetProperty("stream").GetString() == streamId).Select(l => l.GetProperty("type").GetString()!).ToList();
            if (leaves.Count >= expected || DateTime.UtcNow > deadline) return leaves;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_refusal_needs_a_reason_is_final_and_the_unit_is_told_why()
    {
        var (caseId, media) = await CaseWithMedia(nl);
        var filed = await nl.FileTakedownRequestAsync(Filing(caseId, Provider, media.Sha256));

        Assert.Equal((StatusCode.InvalidArgument, "reason"), Pick(await Failure(() => hoster.RefuseAsync(new RefuseRequest { RequestId = filed.RequestId }).ResponseAsync)));
        var refused = await hoster.RefuseAsync(new RefuseRequest { RequestId = filed.RequestId, Reason = "the URL is not hosted by us" });
        Assert.Equal(TakedownStatus.Refused, refused.Status);
        Assert.Equal(StatusCode.FailedPrecondition, (await Failure(() => hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = filed.RequestId }).ResponseAsync)).Code);

        var told = Assert.Single(await FeedOf("NL-TBKK", Answer(filed.RequestId))).TakedownAnswer;
        Assert.Equal((TakedownStatus.Refused, "the URL is not hosted by us"), (told.Status, told.Answer));
        var history = await nlTakedown.GetTakedownRequestAsync(Read(filed.RequestId));
        Assert.Equal([TakedownStepKind.Filed, TakedownStepKind.Refused], history.History.Select(s => s.Kind));
        Assert.Equal("the URL is not hosted by us", history.History[1].Text);
    }

    private static (StatusCode, string?) Pick((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) => (failure.Code, failure.Field);

    [Fact]
    public async Task An_open_request_is_notified_again_after_the_interval_not_before_acknowledged_or_not_and_no_more_once_removed()
    {
        var (caseId, media) = await CaseWithMedia(nl);
        var filed = await nl.FileTakedownRequestAsync(Filing(caseId, Provider, media.Sha256));
        async Task<List<int>> Notified() { await Runner.RunRound(CancellationToken.None); return (await FeedOf(Provider, Notice(filed.RequestId))).Select(i => i.Takedown.Notification).ToList(); }

        hub.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal([1], await Notified());
        hub.Clock.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal([1, 2], await Notified());
        // A round repeated at once (another instance, a restart) sends nothing twice.
        Assert.Equal([1, 2], await Notified());
        Assert.Equal(2, (await nlTakedown.GetTakedownRequestAsync(Read(filed.RequestId))).Notifications);

        // Acknowledged is still open: the material is not gone yet.
        await hoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = filed.RequestId });
        hub.Clock.Advance(TimeSpan.FromHours(24.5));
        Assert.Equal([1, 2, 3], await Notified());
        var third = (await FeedOf(Provider, Notice(filed.RequestId)))[2].Takedown;
        Assert.Equal(TakedownStatus.Acknowledged, third.Status);
        Assert.Equal(media.Sha256, Assert.Single(third.Material).Sha256);

        await hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = filed.RequestId });
        hub.Clock.Advance(TimeSpan.FromHours(49));
        Assert.Equal([1, 2, 3], await Notified());

        var history = await nlTakedown.GetTakedownRequestAsync(Read(filed.RequestId));
        Assert.Equal([TakedownStepKind.Filed, TakedownStepKind.Renotified, TakedownStepKind.Acknowledged, TakedownStepKind.Renotified, TakedownStepKind.Removed],
            history.History.Select(s => s.Kind));
        Assert.Equal((HubCaller.UnitId, "timed-work"), (history.History[1].Unit, history.History[1].User));
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        Assert.Equal(2, records.Count(r => r.Operation == "RenotifyTakedown" && r.Unit == HubCaller.UnitId && r.Disclosed.Contains(filed.RequestId)));
    }

    [Fact]
    public async Task A_second_unit_filing_the_same_material_to_the_same_provider_is_told_a_request_is_open_and_nothing_more()
    {
        var (nlCase, media) = await CaseWithMedia(nl);
        var first = await nl.FileTakedownRequestAsync(Filing(nlCase, Provider, media.Sha256));
        var filedAt = (await nlTakedown.GetTakedownRequestAsync(Read(first.RequestId))).FiledAt;
        var (beCase, beMedia) = await CaseWithMedia(be, Tlp.Green, sha256: media.Sha256);

        var second = await be.FileTakedownRequestAsync(Filing(beCase, Provider, beMedia.Sha256));
        Assert.Equal("", second.RequestId);
        var open = Assert.Single(second.AlreadyOpen);
        Assert.Equal((beMedia.Sha256, filedAt), (open.Media, open.OpenSince));
        var answer = JsonFormatter.Default.Format(second);
        Assert.DoesNotContain("NL-TBKK", answer);
        Assert.DoesNotContain(nlCase, answer);
        Assert.DoesNotContain(first.RequestId, answer);
        // No duplicate reached the provider, and BE-FCCU cannot read NL-TBKK's request.
        Assert.Single(await FeedOf(Provider, i => i.Takedown?.Material.Any(m => m.Sha256 == media.Sha256) == true));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => beTakedown.GetTakedownRequestAsync(Read(first.RequestId)).ResponseAsync)).Code);
        Assert.DoesNotContain((await beTakedown.ListTakedownRequestsAsync(new ListTakedownRequestsRequest { Justification = AuditClient.Why })).Requests,
            r => r.RequestId == first.RequestId);
        var record = Assert.Single(await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = beCase }), r => r.Operation == "FileTakedownRequest");
        Assert.Contains("nothing sent", record.Disclosed);

        // Another provider is asked on its own; once the first request is answered for good, the material may be asked again.
        Assert.NotEmpty((await be.FileTakedownRequestAsync(Filing(beCase, TakedownHub.OtherProvider, beMedia.Sha256))).RequestId);
        await hoster.RefuseAsync(new RefuseRequest { RequestId = first.RequestId, Reason = "not ours" });
        Assert.NotEmpty((await be.FileTakedownRequestAsync(Filing(beCase, Provider, beMedia.Sha256))).RequestId);
    }

    [Fact]
    public async Task A_provider_answering_or_reading_another_providers_request_gets_what_a_request_that_does_not_exist_gets()
    {
        var (caseId, media) = await CaseWithMedia(nl);
        var filed = await nl.FileTakedownRequestAsync(Filing(caseId, Provider, media.Sha256));
        var missing = Guid.CreateVersion7().ToString();

        foreach (var (theirs, none) in new (Func<string, Task>, string)[]
        {
            (id => otherHoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = id }).ResponseAsync, "ack"),
            (id => otherHoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = id }).ResponseAsync, "removed"),
            (id => otherHoster.RefuseAsync(new RefuseRequest { RequestId = id, Reason = "no" }).ResponseAsync, "refuse"),
            (id => otherHoster.GetNoticeAsync(new GetNoticeRequest { RequestId = id }).ResponseAsync, "get"),
        }.Select(c => (c.Item1, c.Item2)))
        {
            var other = await Failure(() => theirs(filed.RequestId));
            var absent = await Failure(() => theirs(missing));
            Assert.Equal(StatusCode.NotFound, other.Code);
            Assert.Equal((absent.Field, absent.Status.Message.Replace(missing, "*"), string.Join(",", absent.Status.Details.Select(d => d.TypeUrl))),
                (other.Field, other.Status.Message.Replace(filed.RequestId, "*"), string.Join(",", other.Status.Details.Select(d => d.TypeUrl))));
        }
        // A case's id is no request either.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = caseId }).ResponseAsync)).Code);
        Assert.DoesNotContain((await otherHoster.ListNoticesAsync(new ListNoticesRequest())).Notices, n => n.RequestId == filed.RequestId);
        Assert.Empty(await FeedOf(TakedownHub.OtherProvider, Notice(filed.RequestId)));
        Assert.Equal(TakedownStatus.Open, (await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = filed.RequestId })).Status);
    }

    [Fact]
    public async Task Co_leads_file_and_read_the_cases_requests_and_other_units_may_not()
    {
        var (caseId, media) = await CaseWithMedia(nl, Tlp.Green);
        // A case BE-FCCU may not see answers as one that does not exist.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.FileTakedownRequestAsync(Filing(caseId, Provider, media.Sha256)).ResponseAsync)).Code);
        var filed = await nl.FileTakedownRequestAsync(Filing(caseId, Provider, media.Sha256));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => beTakedown.GetTakedownRequestAsync(Read(filed.RequestId)).ResponseAsync)).Code);

        await nl.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "BE-FCCU", Reason = "joint investigation" });
        await be.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = caseId, Answer = CoLeadAnswer.Accept });
        Assert.Equal(filed.RequestId, (await beTakedown.GetTakedownRequestAsync(Read(filed.RequestId))).RequestId);
        var other = Media(caseId);
        await nl.AddMediaAsync(other);
        var byCoLead = await be.FileTakedownRequestAsync(Filing(caseId, Provider, other.Sha256));
        Assert.Equal(("BE-FCCU", "BE"), ((await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = byCoLead.RequestId })).RequestingUnit,
            (await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = byCoLead.RequestId })).RequestingCountry));
        var listed = await nlTakedown.ListTakedownRequestsAsync(new ListTakedownRequestsRequest { Justification = AuditClient.Why, CaseId = caseId });
        Assert.Equal([byCoLead.RequestId, filed.RequestId], listed.Requests.Select(r => r.RequestId));
    }

    [Fact]
    public async Task Bad_input_is_invalid_argument_naming_the_field()
    {
        var (caseId, media) = await CaseWithMedia(nl);
        async Task<(StatusCode, string?)> Filed(Action<FileTakedownRequestRequest> change)
        {
            var request = Filing(caseId, Provider, media.Sha256);
            change(request);
            return Pick(await Failure(() => nl.FileTakedownRequestAsync(request).ResponseAsync));
        }
        Assert.Equal((StatusCode.InvalidArgument, "provider"), await Filed(r => r.Provider = "US-HSI-C3"));
        Assert.Equal((StatusCode.InvalidArgument, "provider"), await Filed(r => r.Provider = ""));
        Assert.Equal((StatusCode.InvalidArgument, "media"), await Filed(r => r.Media.Clear()));
        Assert.Equal((StatusCode.InvalidArgument, "locations[1]"), await Filed(r => r.Locations.Add("javascript:alert(1)")));
        Assert.Equal((StatusCode.NotFound, "media[0]"), await Filed(r => r.Media[0] = Hex(32)));
        Assert.Equal((StatusCode.InvalidArgument, "command_id"), await Filed(r => r.CommandId = ""));

        Assert.Equal((StatusCode.InvalidArgument, "request_id"), Pick(await Failure(() => hoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = "x" }).ResponseAsync)));
        Assert.Equal((StatusCode.InvalidArgument, "page_size"), Pick(await Failure(() => hoster.ListNoticesAsync(new ListNoticesRequest { PageSize = -1 }).ResponseAsync)));
        Assert.Equal((StatusCode.InvalidArgument, "page_token"), Pick(await Failure(() => nlTakedown.ListTakedownRequestsAsync(
            new ListTakedownRequestsRequest { Justification = AuditClient.Why, PageToken = "nope" }).ResponseAsync)));
        Assert.Equal((StatusCode.InvalidArgument, "justification.purpose"), Pick(await Failure(() => nlTakedown.GetTakedownRequestAsync(
            new GetTakedownRequestRequest { RequestId = Guid.NewGuid().ToString() }).ResponseAsync)));
    }

    [Fact]
    public async Task A_retry_of_a_filing_answers_the_first_result_and_files_nothing_twice()
    {
        var (caseId, media) = await CaseWithMedia(nl);
        var request = Filing(caseId, Provider, media.Sha256);
        var first = await nl.FileTakedownRequestAsync(request);
        var again = await nl.FileTakedownRequestAsync(request);
        Assert.True(again.Replayed);
        Assert.Equal(first.RequestId, again.RequestId);
        Assert.Single(await FeedOf(Provider, Notice(first.RequestId)));

        // In Sync too, with its own result type.
        using var sync = nl.Sync();
        var other = Media(caseId);
        await nl.AddMediaAsync(other);
        await sync.RequestStream.WriteAsync(new SyncCommand { FileTakedownRequest = Filing(caseId, TakedownHub.OtherProvider, other.Sha256) });
        await sync.RequestStream.CompleteAsync();
        var result = Assert.Single(await sync.ResponseStream.ReadAllAsync().ToListAsync());
        Assert.NotEmpty(result.TakedownFiled.RequestId);
    }
}
