using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using Sealed = EvidenceHub.Hub.Erasure.Sealed;
using EvidenceHub.Hub.Lifecycle;
using TakedownWithdrawals = EvidenceHub.Hub.Takedown.TakedownWithdrawals;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Erasure;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;
using TakedownStatus = EvidenceHub.Contracts.V1.TakedownStatus;
using TakedownStepKind = EvidenceHub.Contracts.V1.TakedownStepKind;

namespace EvidenceHub.Tests.Takedown;

/// How a takedown request ends other than by the provider's answer, and what makes its answers safe to retry, over
/// real gRPC and PostgreSQL: the requesting unit withdraws it; the hub withdraws it once its material is no longer the
/// case's to ask about (media retracted, case restricted, case erased, hash erased); a provider's answers are
/// idempotent by command id; a provider is never a case's partner; and every takedown text is sealed under the case's
/// subject, so that after EraseCase none of it is left in a pg_dump. A hub of its own: the clock moves.
public sealed class TakedownEndingTests(TakedownHub hub) : IClassFixture<TakedownHub>
{
    private const string Provider = TakedownHub.Provider;
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly TakedownService.TakedownServiceClient hoster = new(hub.Channel(hub.CertificateOf(Provider), "abuse-desk"));
    private readonly TakedownService.TakedownServiceClient nlTakedown = new(hub.Channel(hub.CertificateOf("NL-TBKK")));

    private TimedWorkRunner Runner => hub.Factory.Services.GetRequiredService<TimedWorkRunner>();

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private async Task<(string CaseId, string Sha256)> CaseWithMedia()
    {
        var caseId = await nl.OpenedCase(Tlp.Red);
        var sha = Hex(32);
        await nl.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = caseId, Sha256 = sha, Md5 = Hex(16), Category = 1, Distributed = true });
        return (caseId, sha);
    }

    private async Task<string> Filed(string caseId, string sha, string note = "Please remove: a minor's image.") =>
        (await nl.FileTakedownRequestAsync(new FileTakedownRequestRequest
        {
            CommandId = NewId(), CaseId = caseId, Provider = Provider, Media = { sha }, Locations = { "https://files.hoster.example/" + sha[..8] }, Note = note,
        })).RequestId;

    private async Task<List<TakedownNotice>> NoticesOf(string requestId) =>
        (await hub.FeedAfter(Provider, 0)).Where(i => i.Takedown?.RequestId == requestId).Select(i => i.Takedown).ToList();

    private Task<Contracts.V1.TakedownRequest> History(string requestId) =>
        nlTakedown.GetTakedownRequestAsync(new GetTakedownRequestRequest { RequestId = requestId, Justification = AuditClient.Why }).ResponseAsync;

    private static WithdrawTakedownRequestRequest Withdrawing(string caseId, string requestId, string reason = "We filed it for the wrong file; sorry.") =>
        new() { CommandId = NewId(), CaseId = caseId, RequestId = requestId, Reason = reason };

    [Fact]
    public async Task The_requesting_unit_withdraws_its_request_the_provider_is_told_once_and_the_request_is_notified_and_answered_no_more()
    {
        var (caseId, sha) = await CaseWithMedia();
        var requestId = await Filed(caseId, sha);
        // Another unit, and a case the caller may not see, learn nothing: not found, as a request that does not exist.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.WithdrawTakedownRequestAsync(Withdrawing(caseId, requestId)).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "reason"), Pick(await Failure(() => nl.WithdrawTakedownRequestAsync(Withdrawing(caseId, requestId, " ")).ResponseAsync)));
        var otherCase = await nl.OpenedCase();
        Assert.Equal((StatusCode.NotFound, "request_id"), Pick(await Failure(() => nl.WithdrawTakedownRequestAsync(Withdrawing(otherCase, requestId)).ResponseAsync)));

        var withdrawing = Withdrawing(caseId, requestId);
        var withdrawn = await nl.WithdrawTakedownRequestAsync(withdrawing);
        Assert.False(withdrawn.Replayed);
        Assert.True((await nl.WithdrawTakedownRequestAsync(withdrawing)).Replayed);
        var again = await Failure(() => nl.WithdrawTakedownRequestAsync(Withdrawing(caseId, requestId)).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_WITHDRAWN"), (again.Code, again.Status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason));

        var notices = await NoticesOf(requestId);
        Assert.Equal([TakedownStatus.Open, TakedownStatus.Withdrawn], notices.Select(n => n.Status));
        Assert.Equal(("We filed it for the wrong file; sorry.", "Please remove: a minor's image."), (notices[1].WithdrawalReason, notices[1].Note));
        var read = await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = requestId });
        Assert.Equal((TakedownStatus.Withdrawn, "We filed it for the wrong file; sorry."), (read.Status, read.WithdrawalReason));
        Assert.DoesNotContain((await hoster.ListNoticesAsync(new ListNoticesRequest { OpenOnly = true })).Notices, n => n.RequestId == requestId);
        var answered = await Failure(() => hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = requestId }).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_WITHDRAWN"), (answered.Code, answered.Status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason));

        hub.Clock.Advance(TimeSpan.FromHours(49));
        await Runner.RunRound(CancellationToken.None);
        Assert.Equal(2, (await NoticesOf(requestId)).Count);
        // It withdrew the request itself: nothing on its own feed says so.
        Assert.DoesNotContain(await hub.FeedAfter("NL-TBKK", 0), i => i.TakedownWithdrawn?.RequestId == requestId);

        var history = await History(requestId);
        Assert.Equal((TakedownStatus.Withdrawn, null), (history.Status, history.NextNotificationAt));
        Assert.Equal([TakedownStepKind.Filed, TakedownStepKind.Withdrawn], history.History.Select(s => s.Kind));
        Assert.Equal(("NL-TBKK", "analyst", "We filed it for the wrong file; sorry."), (history.History[1].Unit, history.History[1].User, history.History[1].Text));
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        Assert.Contains(records, r => r.Unit == "NL-TBKK" && r.Operation == "WithdrawTakedownRequest" && r.Outcome == AccessOutcome.Allowed && r.Disclosed.Contains(Provider));
        Assert.Contains(records, r => r.Unit == Provider && r.Operation == "ReportRemoved" && r.Outcome == AccessOutcome.Refused);

        // In Sync too, as field 29.
        var (syncCase, syncSha) = await CaseWithMedia();
        var syncRequest = await Filed(syncCase, syncSha);
        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { WithdrawTakedownRequest = Withdrawing(syncCase, syncRequest) });
        await sync.RequestStream.CompleteAsync();
        var result = Assert.Single(await sync.ResponseStream.ReadAllAsync().ToListAsync());
        Assert.Equal(syncCase, result.Result.CaseId);
        Assert.Equal(TakedownStatus.Withdrawn, (await History(syncRequest)).Status);
    }

    public enum Gone { MediaRetracted, CaseRestricted, CaseErased, HashErased, HashRestricted, ImportedMediaRetracted, ImportedHashRestricted }

    /// A case whose one media record came with an imported hash list (a row of imported_media, not a document).
    private async Task<(string CaseId, string Sha256)> CaseWithImportedMedia()
    {
        var caseId = await nl.OpenedCase(Tlp.Red);
        var sha = Hex(32);
        using var call = nl.ImportMedia();
        await call.RequestStream.WriteAsync(new MediaBatch
        {
            BatchId = NewId(), CaseId = caseId, FirstRow = 1, Rows = { new MediaRow { Sha256 = sha, Md5 = Hex(16), Category = 1, Distributed = true } },
        });
        await call.RequestStream.CompleteAsync();
        Assert.Single(await call.ResponseStream.ReadAllAsync().ToListAsync());
        return (caseId, sha);
    }

    [Theory]
    [InlineData(Gone.MediaRetracted, "a media record of the request was retracted")]
    [InlineData(Gone.CaseRestricted, "the case was restricted")]
    [InlineData(Gone.CaseErased, "the case was erased")]
    [InlineData(Gone.HashErased, "is no longer held by the case")]
    [InlineData(Gone.HashRestricted, "a file hash of the request was restricted")]
    [InlineData(Gone.ImportedMediaRetracted, "a media record of the request was retracted")]
    [InlineData(Gone.ImportedHashRestricted, "a file hash of the request was restricted")]
    public async Task Material_no_longer_the_cases_to_ask_about_ends_its_open_request_the_provider_is_told_once_and_never_again(Gone gone, string cause)
    {
        var imported = gone is Gone.ImportedMediaRetracted or Gone.ImportedHashRestricted;
        var (caseId, sha) = imported ? await CaseWithImportedMedia() : await CaseWithMedia();
        var requestId = await Filed(caseId, sha);
        var reference = (await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why })).Reference;
        // An imported record is its case's material as an added one is: the hub's round leaves its request open.
        await Runner.RunRound(CancellationToken.None);
        Assert.Equal(TakedownStatus.Open, (await History(requestId)).Status);
        await hoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = requestId, CommandId = NewId() });
        // Another open request of another case, which nothing touches: it is notified again as before.
        var (untouchedCase, untouchedSha) = await CaseWithMedia();
        var untouched = await Filed(untouchedCase, untouchedSha);
        switch (gone)
        {
            case Gone.MediaRetracted:
                await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = sha, Reason = "not this case's image" });
                break;
            case Gone.CaseRestricted:
                await nl.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = caseId, WholeCase = true, Reason = "accuracy contested", LegalBasis = "LED Art. 16(3)(a)" });
                break;
            case Gone.CaseErased:
                await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "linked by mistake", LegalBasis = ErasureBasis.UnlawfulProcessing });
                break;
            case Gone.HashRestricted or Gone.ImportedHashRestricted:
                await nl.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = "sha256:" + sha, Reason = "accuracy contested", LegalBasis = "LED Art. 16(3)(a)" });
                break;
            case Gone.ImportedMediaRetracted:
                await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = sha, Reason = "not this case's image" });
                break;
            case Gone.HashErased:
                await nl.EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest
                {
                    CommandId = NewId(), CaseId = caseId, IdentifierKey = "sha256:" + sha, Reason = "linked by mistake", LegalBasis = ErasureBasis.UnlawfulProcessing,
                });
                break;
        }

        await Runner.RunRound(CancellationToken.None);
        var notices = await NoticesOf(requestId);
        Assert.Equal([TakedownStatus.Open, TakedownStatus.Withdrawn], notices.Select(n => n.Status));
        // The provider's words say nothing of the case's state.
        Assert.Equal(TakedownWithdrawals.ToProvider, notices[1].WithdrawalReason);
        Assert.Equal(TakedownStatus.Withdrawn, (await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = requestId })).Status);

        // Rounds a day apart send nothing more for it, while the untouched request is notified again.
        hub.Clock.Advance(TimeSpan.FromHours(25));
        await Runner.RunRound(CancellationToken.None);
        await Runner.RunRound(CancellationToken.None);
        Assert.Equal(2, (await NoticesOf(requestId)).Count);
        Assert.Equal([1, 2], (await NoticesOf(untouched)).Select(n => n.Notification));

        var auditor = new TakedownService.TakedownServiceClient(hub.Channel(hub.CertificateOf("EU-AUDIT"), "supervisor"));
        var history = await auditor.GetTakedownRequestAsync(new GetTakedownRequestRequest { RequestId = requestId, Justification = AuditClient.Why });
        Assert.Equal([TakedownStepKind.Filed, TakedownStepKind.Acknowledged, TakedownStepKind.Withdrawn], history.History.Select(s => s.Kind));
        Assert.Equal(HubCaller.UnitId, history.History[2].Unit);
        Assert.Contains(cause, history.History[2].Text);
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        Assert.Single(records, r => r.Unit == HubCaller.UnitId && r.Operation == "WithdrawTakedownRequest" && r.Disclosed.Contains(requestId));

        // The requesting unit is told once, in the words its history shows it; an erased case by its reference only.
        var told = Assert.Single(await hub.FeedAfter("NL-TBKK", 0), i => i.TakedownWithdrawn?.RequestId == requestId).TakedownWithdrawn;
        Assert.Equal((gone == Gone.CaseErased ? "" : caseId, reference, Provider, history.History[2].Text),
            (told.CaseId, told.CaseReference, told.Provider, told.Reason));
    }

    /// A request reads only the records it names (by their hashes): named by any file hash, in any spelling, an imported
    /// record as an added one; an unknown hash, or a retracted record's, is refused naming its field.
    [Fact]
    public async Task A_request_finds_the_records_it_names_and_refuses_unknown_and_retracted_ones()
    {
        var (caseId, importedSha) = await CaseWithImportedMedia();
        var addedSha = Hex(32);
        await nl.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = caseId, Sha256 = addedSha, Category = 2 });
        var (retractedCase, retractedSha) = await CaseWithImportedMedia();
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = retractedCase, FileHash = retractedSha, Reason = "not this case's image" });
        var retractedAdded = Hex(32);
        await nl.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = caseId, Sha256 = retractedAdded, Category = 1 });
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = retractedAdded, Reason = "not this case's image" });
        FileTakedownRequestRequest Filing(string on, params string[] media) =>
            new() { CommandId = NewId(), CaseId = on, Provider = Provider, Media = { media }, Locations = { "https://files.hoster.example/x" } };

        var unknown = await Failure(() => nl.FileTakedownRequestAsync(Filing(caseId, addedSha, Hex(32))).ResponseAsync);
        var retractedImported = await Failure(() => nl.FileTakedownRequestAsync(Filing(retractedCase, retractedSha)).ResponseAsync);
        var retractedOne = await Failure(() => nl.FileTakedownRequestAsync(Filing(caseId, importedSha, retractedAdded)).ResponseAsync);
        var otherCase = await Failure(() => nl.FileTakedownRequestAsync(Filing(retractedCase, addedSha)).ResponseAsync);
        var filed = await nl.FileTakedownRequestAsync(Filing(caseId, " SHA256:" + importedSha.ToUpperInvariant(), addedSha.ToUpperInvariant(), "sha256:" + importedSha));

        Assert.Equal((StatusCode.NotFound, "media[1]"), Pick(unknown));
        Assert.Equal((StatusCode.NotFound, "media[0]"), Pick(retractedImported));
        Assert.Equal((StatusCode.NotFound, "media[1]"), Pick(retractedOne));
        Assert.Equal((StatusCode.NotFound, "media[0]"), Pick(otherCase));
        // The imported record named twice is one item, with its hashes and category; the added one is the other.
        var notice = Assert.Single(await NoticesOf(filed.RequestId));
        Assert.Equal([(importedSha, true, 1), (addedSha, false, 2)], notice.Material.Select(m => (m.Sha256, m.Md5.Length > 0, m.Category)));
    }

    [Fact]
    public async Task A_requesting_unit_that_no_longer_leads_the_case_is_told_that_the_hub_withdrew_its_request_and_not_why()
    {
        var (caseId, sha) = await CaseWithMedia();
        var requestId = await Filed(caseId, sha);
        var handoff = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "BE leads" });
        await be.AcceptHandoffAsync(new AcceptHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoff.HandoffId });
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        await be.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = "sha256:" + sha, Reason = "accuracy contested", LegalBasis = "LED Art. 16(3)(a)" });

        await Runner.RunRound(CancellationToken.None);

        Assert.Equal(TakedownStatus.Withdrawn, (await History(requestId)).Status);
        var told = Assert.Single(await hub.FeedAfter("NL-TBKK", 0), i => i.TakedownWithdrawn?.RequestId == requestId).TakedownWithdrawn;
        Assert.Equal(TakedownWithdrawals.ToFormerLead, told.Reason);
        Assert.DoesNotContain(await hub.FeedAfter("BE-FCCU", beStart), i => i.TakedownWithdrawn is not null);
    }

    [Fact]
    public async Task A_provider_answer_retried_under_its_command_id_replays_another_answer_under_it_is_refused_and_without_one_it_is_as_before()
    {
        var (caseId, sha) = await CaseWithMedia();
        var requestId = await Filed(caseId, sha);
        var ack = new AcknowledgeRequest { RequestId = requestId, Note = "ticket ABUSE-7", CommandId = NewId() };
        var first = await hoster.AcknowledgeAsync(ack);
        var retry = await hoster.AcknowledgeAsync(ack);
        Assert.Equal((false, true), (first.Replayed, retry.Replayed));
        Assert.Equal((TakedownStatus.Acknowledged, requestId), (retry.Status, retry.RequestId));
        var reused = await Failure(() => hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = requestId, CommandId = ack.CommandId }).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, "command_id"), (reused.Code, reused.Field));
        Assert.Equal((StatusCode.InvalidArgument, "command_id"),
            Pick(await Failure(() => hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = requestId, CommandId = "not an id!" }).ResponseAsync)));

        var removal = new ReportRemovedRequest { RequestId = requestId, Note = "gone", CommandId = NewId() };
        await hoster.ReportRemovedAsync(removal);
        Assert.True((await hoster.ReportRemovedAsync(removal)).Replayed);
        var history = await History(requestId);
        Assert.Equal([TakedownStepKind.Filed, TakedownStepKind.Acknowledged, TakedownStepKind.Removed], history.History.Select(s => s.Kind));
        Assert.Single(await hub.FeedAfter("NL-TBKK", 0), i => i.TakedownAnswer?.RequestId == requestId && i.TakedownAnswer.Status == TakedownStatus.Removed);

        // An older client without command ids: each answer is decided anew, so a repeat of a final one is refused.
        var (oldCase, oldSha) = await CaseWithMedia();
        var old = await Filed(oldCase, oldSha);
        Assert.False((await hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = old })).Replayed);
        var repeated = await Failure(() => hoster.ReportRemovedAsync(new ReportRemovedRequest { RequestId = old }).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_ANSWERED"), (repeated.Code, repeated.Status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason));
    }

    [Fact]
    public async Task A_provider_is_never_a_cases_partner()
    {
        var opening = OpenCase(tlp: Tlp.Amber, partners: ["BE-FCCU", Provider]);
        Assert.Equal((StatusCode.InvalidArgument, "sharing_policy.partner_units"), Pick(await Failure(() => nl.OpenCaseAsync(opening).ResponseAsync)));
        var caseId = await nl.OpenedCase(Tlp.Amber);
        var changing = new ChangeSharingPolicyRequest
        {
            CommandId = NewId(), CaseId = caseId, Reason = "widen to the hoster",
            SharingPolicy = new SharingPolicy { Tlp = Tlp.Amber, HandlingCode = HandlingCode.H0, PartnerUnits = { TakedownHub.OtherProvider } },
        };
        Assert.Equal((StatusCode.InvalidArgument, "sharing_policy.partner_units"), Pick(await Failure(() => nl.ChangeSharingPolicyAsync(changing).ResponseAsync)));
        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase(tlp: Tlp.Amber, partners: [Provider]) });
        await sync.RequestStream.CompleteAsync();
        var result = Assert.Single(await sync.ResponseStream.ReadAllAsync().ToListAsync());
        Assert.Equal((int)StatusCode.InvalidArgument, result.Error.Code);
    }

    /// A case stored before its partner became a hosting party (written here behind the hub's back): the hub would not
    /// start on it, and says which unit and how many cases.
    [Fact]
    public async Task A_stored_case_naming_a_provider_among_its_partners_keeps_the_hub_from_starting()
    {
        var services = hub.Factory.Services;
        var store = services.GetRequiredService<Marten.IDocumentStore>();
        var units = services.GetRequiredService<EvidenceHub.Hub.Identity.UnitRegistry>();
        var checker = new EvidenceHub.Hub.Takedown.ProvidersAmongPartners(store, units, Microsoft.Extensions.Logging.Abstractions.NullLogger<EvidenceHub.Hub.Takedown.ProvidersAmongPartners>.Instance);
        await checker.StartAsync(CancellationToken.None);

        var opened = await nl.OpenCaseAsync(OpenCase(tlp: Tlp.Amber, partners: ["BE-FCCU"]));
        await using (var connection = new Npgsql.NpgsqlConnection(hub.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var tamper = new Npgsql.NpgsqlCommand(
                "UPDATE evidencehub.mt_doc_casefile SET data = jsonb_set(data, '{SharingPolicy,PartnerUnits}', data #> '{SharingPolicy,PartnerUnits}' || @p) WHERE id = @id",
                connection);
            tamper.Parameters.AddWithValue("p", NpgsqlTypes.NpgsqlDbType.Jsonb, $"[\"{Provider}\"]");
            tamper.Parameters.AddWithValue("id", Guid.Parse(opened.CaseId));
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }
        try
        {
            Assert.Equal([(Provider, 1)], await EvidenceHub.Hub.Takedown.ProvidersAmongPartners.Find(store, units, CancellationToken.None));
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => checker.StartAsync(CancellationToken.None));
            Assert.Contains($"{Provider} (1 case(s))", refused.Message);
        }
        finally
        {
            // The fixture's hub is shared with the other tests: the case is put right again.
            await using var connection = new Npgsql.NpgsqlConnection(hub.Database.ConnectionString);
            await connection.OpenAsync();
            await using var repair = new Npgsql.NpgsqlCommand("UPDATE evidencehub.mt_doc_casefile SET data = jsonb_set(data, '{SharingPolicy,PartnerUnits}', '[\"BE-FCCU\"]') WHERE id = @id", connection);
            repair.Parameters.AddWithValue("id", Guid.Parse(opened.CaseId));
            await repair.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Takedown_texts_are_sealed_opened_for_provider_and_unit_and_after_EraseCase_gone_from_a_pg_dump()
    {
        var (caseId, sha) = await CaseWithMedia();
        string[] texts = ["note-" + Hex(8), "ack-" + Hex(8), "refusal-" + Hex(8), "withdrawal-" + Hex(8)];
        var first = await Filed(caseId, sha, texts[0]);
        await hoster.AcknowledgeAsync(new AcknowledgeRequest { RequestId = first, Note = texts[1], CommandId = NewId() });
        await hoster.RefuseAsync(new RefuseRequest { RequestId = first, Reason = texts[2], CommandId = NewId() });
        var second = await Filed(caseId, sha, texts[0]);
        await nl.WithdrawTakedownRequestAsync(Withdrawing(caseId, second, texts[3]));

        // Opened at delivery for the provider and the unit, and in their reads.
        var providerFeed = (await hub.FeedAfter(Provider, 0)).Where(i => i.Takedown?.RequestId is { } id && (id == first || id == second)).Select(i => i.Takedown).ToList();
        Assert.All(providerFeed, n => Assert.Equal(texts[0], n.Note));
        Assert.Equal(texts[3], providerFeed.Single(n => n.Status == TakedownStatus.Withdrawn).WithdrawalReason);
        var unitFeed = (await hub.FeedAfter("NL-TBKK", 0)).Where(i => i.TakedownAnswer?.RequestId == first).Select(i => i.TakedownAnswer.Answer).ToList();
        Assert.Equal([texts[1], texts[2]], unitFeed);
        Assert.Equal(texts[2], (await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = first })).Answer);
        Assert.Equal([texts[0], texts[1], texts[2]], (await History(first)).History.Select(s => s.Text));
        // Sealed where they are stored: never readable in the database, not even before the erasure.
        var dump = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.All(texts, text => Assert.Empty(dump.Find(Encoding.UTF8.GetBytes(text))));

        await nl.EraseCaseAsync(new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "linked by mistake", LegalBasis = ErasureBasis.UnlawfulProcessing });
        dump = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.All(texts, text => Assert.Empty(dump.Find(Encoding.UTF8.GetBytes(text))));
        // The provider's feed and reads keep the requests, their words erased.
        var erased = (await hub.FeedAfter(Provider, 0)).Where(i => i.Takedown?.RequestId == first).Select(i => i.Takedown.Note).ToList();
        Assert.All(erased, note => Assert.Equal(Sealed.ErasedPlaceholder, note));
        var read = await hoster.GetNoticeAsync(new GetNoticeRequest { RequestId = first });
        Assert.Equal((Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder), (read.Note, read.Answer));
    }

    private static (StatusCode, string?) Pick((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) => (failure.Code, failure.Field);
}
