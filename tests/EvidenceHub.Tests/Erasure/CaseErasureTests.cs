using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;
using ErasureBasis = EvidenceHub.Contracts.V1.ErasureBasis;

namespace EvidenceHub.Tests.Erasure;

/// Erasing a whole case end to end (EraseCase), on a hub of its own so that the dump of its database holds only this
/// class's data: the case's free text and victim references are gone from every table, its keys and receipts too, the
/// log still verifies with proofs taken before, replay and as-of show the placeholder, the units told of the case are
/// told to forget it, and nobody else can tell an erased case from one that never was.
public sealed class CaseErasureTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private AuditService.AuditServiceClient Auditor => hub.Audit("EU-AUDIT");

    [Fact]
    public async Task An_erased_case_is_gone_from_the_database_while_the_log_and_its_earlier_proofs_still_verify_and_its_correlated_units_are_told()
    {
        var tag = Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var (handoffReason, declineReason, pendingReason, reviewNote, reference) =
            ($"HANDOFF-{tag} offender moved to Ottawa", $"DECLINE-{tag} no capacity", $"AGAIN-{tag} please take it", $"NOTE-{tag} trial in May", $"VREF-{tag}");
        var nl = hub.Cases("NL-TBKK", user: "j.devries");
        var be = hub.Cases("BE-FCCU");
        var ca = hub.Cases("CA-RCMP-NCECC");
        var caseId = await nl.OpenedCase(Tlp.Green);
        var email = $"offender.{tag.ToLowerInvariant()}@example.com";
        var added = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email));
        var beCase = await be.OpenedCase(Tlp.Green);
        await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, email));
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = reference, AgeBand = AgeBand._13To15, Country = "NL" });
        var first = await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = handoffReason });
        await ca.DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = first.HandoffId, Reason = declineReason });
        var requestAgain = new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "CA-RCMP-NCECC", Reason = pendingReason };
        await nl.RequestHandoffAsync(requestAgain);
        await nl.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId, Note = reviewNote });
        // Free text that travels beyond the case: its handling restrictions (BE's narrowing and correlation notices, a
        // partner's lookup), the reason BE is told of a retraction, a media record's retraction reason.
        var (restrictions, retraction, mediaRetraction) = ($"RESTRICT-{tag} no contact with the platform", $"RETRACT-{tag} typo in the address", $"MEDIA-{tag} wrong upload");
        await nl.ChangeSharingPolicyAsync(new ChangeSharingPolicyRequest
        {
            CommandId = NewId(), CaseId = caseId, Reason = "source asked for care",
            SharingPolicy = new SharingPolicy { Tlp = Tlp.Green, HandlingCode = HandlingCode.H3, HandlingRestrictions = restrictions },
        });
        var second = $"second.{tag.ToLowerInvariant()}@example.com";
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, second));
        await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, second));
        await nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = "email:" + second, Reason = retraction });
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag)));
        await nl.AddMediaAsync(new AddMediaRequest { CommandId = NewId(), CaseId = caseId, Sha256 = sha256 });
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = sha256, Reason = mediaRetraction });
        var lookup = new LookupRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } },
            Justification = new Justification { Purpose = "victim reported contact by this address" },
        };
        var disclosed = await hub.Lookups("US-HSI-C3").LookupAsync(lookup);
        var texts = new[] { handoffReason, declineReason, pendingReason, reviewNote, reference, restrictions, retraction, mediaRetraction };

        // Before: readable where they are shown (GetCase, the target's feed), never stored in plaintext.
        var before = await GetCase(nl, caseId);
        Assert.Equal([handoffReason, pendingReason], before.Handoffs.Select(h => h.Reason));
        Assert.Equal(declineReason, before.Handoffs[0].DeclineReason);
        var caFeed = await hub.FeedAfter("CA-RCMP-NCECC", 0);
        Assert.Contains(caFeed, i => i.Handoff?.CaseId == caseId && i.Handoff.Reason == pendingReason);
        Assert.Equal(restrictions, before.SharingPolicy.HandlingRestrictions);
        Assert.Equal([restrictions], disclosed.Disclosures.Where(d => d.OwnerUnit == "NL-TBKK").Select(d => d.HandlingRestrictions));
        var beFeed = await hub.FeedAfter("BE-FCCU", 0);
        Assert.Contains(beFeed, i => i.Correlation?.YourCaseId == beCase);
        Assert.Equal(restrictions, Assert.Single(beFeed, i => i.SharingNarrowed is not null).SharingNarrowed.HandlingRestrictions);
        Assert.Equal(restrictions, Assert.Single(beFeed, i => i.Correlation?.IdentifierKey == "email:" + second).Correlation.OtherCase.HandlingRestrictions);
        Assert.Equal(retraction, Assert.Single(beFeed, i => i.Retraction is not null).Retraction.Reason);
        var dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.All(texts, text => Assert.Empty(dumped.Find(text)));
        Assert.True(await Count($"SELECT count(*) FROM {SubjectKeyStore.Table} WHERE case_id = @case", caseId) >= 2);

        // Proofs taken before the erasure: the pending handoff's inclusion in a signed checkpoint, and that
        // checkpoint's consistency with an earlier one.
        var eventsBefore = await Auditor.ReplayLogged(caseId);
        var requested = eventsBefore.Single(e => e.CommandId == requestAgain.CommandId);
        Assert.Contains(pendingReason, requested.ReadableJson);
        Assert.DoesNotContain(pendingReason, requested.DataJson);
        var proofs = await ProofsBeforeErasure.Take(Auditor, requested, eventsBefore);

        // Another unit cannot tell the case from one that does not exist; a co-lead-less owner is the only one to erase.
        var erase = new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, LegalBasis = ErasureBasis.CourtOrder, Reason = "court order 2026/77" };
        var stranger = await Failure(() => be.EraseCaseAsync(new EraseCaseRequest(erase) { CommandId = NewId() }).ResponseAsync);
        var missing = await Failure(() => be.EraseCaseAsync(new EraseCaseRequest(erase) { CommandId = NewId(), CaseId = Guid.NewGuid().ToString() }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "case_id"), (stranger.Code, stranger.Field));
        Assert.Equal((missing.Code, missing.Field), (stranger.Code, stranger.Field));
        Assert.Equal(WithoutIds(missing.Status.Message), WithoutIds(stranger.Status.Message));
        Assert.Equal((StatusCode.InvalidArgument, "legal_basis"),
            (await Failure(() => nl.EraseCaseAsync(new EraseCaseRequest(erase) { LegalBasis = ErasureBasis.Unspecified }).ResponseAsync)) is var bad ? (bad.Code, bad.Field) : default);

        var erased = await nl.EraseCaseAsync(erase);
        var retried = await nl.EraseCaseAsync(erase);
        Assert.Equal((erased.Version, false, true), (retried.Version, erased.Replayed, retried.Replayed));
        var again = await nl.EraseCaseAsync(new EraseCaseRequest(erase) { CommandId = NewId() });
        Assert.Equal(erased.Version, again.Version);
        await hub.ProjectionsCaughtUp();

        // After: no text, no victim reference, no key of the case and no receipt but the erasures' own (the first, and
        // the one that found the case erased already).
        dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.All(texts, text => Assert.Empty(dumped.Find(text)));
        Assert.Equal(0, await Count($"SELECT count(*) FROM {SubjectKeyStore.Table} WHERE case_id = @case", caseId));
        Assert.Equal(2, await Count("SELECT count(*) FROM evidencehub.mt_doc_commandreceipt WHERE data->>'CaseId' = @case::text", caseId));

        // The owner sees that the case was there, with placeholders; it takes nothing more.
        var after = await GetCase(nl, caseId);
        Assert.True(after.Erased);
        Assert.Equal([Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder], after.Handoffs.Select(h => h.Reason));
        Assert.Equal(Sealed.ErasedPlaceholder, after.Handoffs[0].DeclineReason);
        Assert.Equal(Sealed.ErasedPlaceholder, Assert.Single(after.VictimLinks).VictimReference);
        Assert.Equal(Sealed.ErasedPlaceholder, after.SharingPolicy.HandlingRestrictions);
        var refused = await Failure(() => nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, "x." + email)).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "CASE_ERASED"), (refused.Code, refused.Status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason));
        Assert.Equal(StatusCode.NotFound, (await Failure(() => ca.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why }).ResponseAsync)).Code);

        // The log: intact, and the old proofs verify against leaves recomputed from what is stored now.
        var eventsAfter = await Auditor.ReplayLogged(caseId);
        var replayed = await proofs.StillVerify(Auditor, eventsAfter);

        // Replay: the stored JSON unchanged (it still hashes to its leaf), its readable form shows the placeholder; the
        // erasure is an event of its own, with who, why and the basis.
        Assert.DoesNotContain(pendingReason, replayed.ReadableJson);
        Assert.Contains(Sealed.ErasedPlaceholder, replayed.ReadableJson);
        var erasure = eventsAfter.Single(e => e.CommandId == erase.CommandId);
        Assert.Equal(("case_erased", "NL-TBKK", "j.devries"), (erasure.EventType, erasure.Unit, erasure.User));
        Assert.Contains("CourtOrder", erasure.DataJson);
        Assert.Contains("2026/77", erasure.DataJson);

        // As of a moment before the erasure: the keys are gone, so the past shows the placeholder as well.
        var asOf = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { Justification = AuditClient.Why, CaseId = caseId, Version = before.Version });
        Assert.Equal([Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder], asOf.Handoffs.Select(h => h.Reason));
        Assert.False(asOf.Erased);

        // The correlated unit and the handoff's target are told, of no more than they knew; the target's earlier
        // notices of the case are gone, and so are the owner's.
        var beNotice = Assert.Single(await hub.FeedAfter("BE-FCCU", 0), i => i.CaseErased is not null).CaseErased;
        Assert.Equal(("NL-TBKK", before.Reference, ErasureBasis.CourtOrder), (beNotice.OwnerUnit, beNotice.CaseReference, beNotice.LegalBasis));
        Assert.Equal([added.Identifier.Key], beNotice.IdentifierKeys);
        Assert.Equal([beCase], beNotice.YourCaseIds);
        caFeed = await hub.FeedAfter("CA-RCMP-NCECC", 0);
        var caNotice = Assert.Single(caFeed, i => i.CaseErased is not null).CaseErased;
        Assert.Equal(("NL-TBKK", before.Reference), (caNotice.OwnerUnit, caNotice.CaseReference));
        Assert.Empty(caNotice.IdentifierKeys);
        Assert.DoesNotContain(caFeed, i => i.Handoff?.CaseId == caseId);
        Assert.DoesNotContain(await hub.FeedAfter("NL-TBKK", 0), i => i.Correlation?.YourCaseId == caseId || i.Handoff?.CaseId == caseId);
        // Its correlations are withdrawn: the same identifier in a new case of BE's correlates with BE's other case only.
        var beOther = await be.OpenedCase(Tlp.Green);
        Assert.Equal(1, (await be.AddSuspectIdentifierAsync(AddIdentifier(beOther, IdentifierKind.EmailAddress, email))).Correlations);
        // BE's own notices about its case stay; what the erased case wrote in them reads as erased.
        beFeed = await hub.FeedAfter("BE-FCCU", 0);
        Assert.Equal(Sealed.ErasedPlaceholder, Assert.Single(beFeed, i => i.SharingNarrowed is not null).SharingNarrowed.HandlingRestrictions);
        Assert.Equal(Sealed.ErasedPlaceholder, Assert.Single(beFeed, i => i.Correlation?.IdentifierKey == "email:" + second).Correlation.OtherCase.HandlingRestrictions);
        Assert.Equal(Sealed.ErasedPlaceholder, Assert.Single(beFeed, i => i.Retraction is not null).Retraction.Reason);
        var told = (await hub.FeedAfter("BE-FCCU", 0)).Where(i => i.Correlation?.YourCaseId == beOther).ToList();
        Assert.Equal(["BE-FCCU"], told.Select(i => i.Correlation.OtherCase.OwnerUnit));

        // The access log says who erased which case, when, why and on which basis.
        var records = await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        var erasing = records.Where(r => r.Operation == "EraseCase" && r.Outcome == AccessOutcome.Allowed).ToList();
        // The erasure and the second command (which found it erased); the retry under the first id ran nothing.
        Assert.Equal(2, erasing.Count);
        Assert.All(erasing, r => Assert.Equal(("NL-TBKK", "j.devries"), (r.Unit, r.User)));
        Assert.Contains("CourtOrder", erasing[0].Asked);
        Assert.Contains(records, r => r.Operation == "EraseCase" && r.Unit == "BE-FCCU" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task A_Sync_burst_may_open_write_and_erase_a_case_and_leaves_no_key_behind()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = NewId();
        var close = $"CLOSE-{Guid.NewGuid():N}";
        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { OpenCase = OpenCase(caseId, Tlp.Green) });
        await sync.RequestStream.WriteAsync(new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = close } });
        await sync.RequestStream.WriteAsync(new SyncCommand { EraseCase = new EraseCaseRequest { CommandId = NewId(), CaseId = caseId, LegalBasis = ErasureBasis.LegalObligation, Reason = "r" } });
        await sync.RequestStream.WriteAsync(new SyncCommand { CloseCase = new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "again" } });
        await sync.RequestStream.CompleteAsync();
        var results = new List<SyncResult>();
        await foreach (var result in sync.ResponseStream.ReadAllAsync()) results.Add(result);

        Assert.Equal([SyncResult.OutcomeOneofCase.Result, SyncResult.OutcomeOneofCase.Result, SyncResult.OutcomeOneofCase.Result, SyncResult.OutcomeOneofCase.Error],
            results.Select(r => r.OutcomeCase));
        Assert.Equal((int)StatusCode.FailedPrecondition, results[3].Error.Code);
        Assert.True((await GetCase(nl, caseId)).Erased);
        Assert.Equal(0, await Count($"SELECT count(*) FROM {SubjectKeyStore.Table} WHERE case_id = @case", caseId));
        Assert.Empty((await DatabaseDump.Of(hub.Database.ConnectionString)).Find(close));
    }

    private static async Task<Case> GetCase(CaseService.CaseServiceClient cases, string caseId) =>
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "case work" } });

    private static string WithoutIds(string message) => System.Text.RegularExpressions.Regex.Replace(message, "[0-9a-f]{8}-[0-9a-f-]{27}", "*");

    private async Task<long> Count(string sql, string caseId)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("case", Guid.Parse(caseId));
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// A hub whose overdue cases are erased (Retention:OverdueAction = Erase).
public sealed class ErasingRetentionHub : HubFixture
{
    protected override IEnumerable<(string Key, string Value)> MoreSettings() => [("Retention:OverdueAction", "Erase")];
}

/// The retention job erases a case left unreviewed past its review date, once, as the hub.
public sealed class RetentionErasureTests(ErasingRetentionHub hub) : IClassFixture<ErasingRetentionHub>
{
    [Fact]
    public async Task With_OverdueAction_Erase_an_overdue_case_is_erased_once_by_the_hub_and_its_texts_are_gone()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase(Tlp.Green);
        var tag = Guid.NewGuid().ToString("N")[..10];
        await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "VREF-" + tag, AgeBand = AgeBand.Under13, Country = "NL" });
        await nl.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = caseId, Reason = "CLOSE-" + tag + " convicted" });
        var runner = hub.Factory.Services.GetRequiredService<TimedWorkRunner>();

        hub.Clock.Advance(TimeSpan.FromDays(1095 + 1));
        Assert.True(await runner.RunRound(CancellationToken.None) >= 1);
        Assert.Equal(0, await runner.RunRound(CancellationToken.None)); // a repeated round: nothing more
        await hub.ProjectionsCaughtUp();

        var shown = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = AuditClient.Why });
        Assert.Equal((true, Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder), (shown.Erased, shown.CloseReason, Assert.Single(shown.VictimLinks).VictimReference));
        var dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.Empty(dumped.Find("VREF-" + tag));
        Assert.Empty(dumped.Find("CLOSE-" + tag));
        var history = await hub.Audit("EU-AUDIT").Replay(caseId);
        var erasure = Assert.Single(history, e => e.EventType == "case_erased");
        Assert.Equal(HubCaller.UnitId, erasure.Unit);
        Assert.Contains("RetentionExpired", erasure.DataJson);
        Assert.Contains(history, e => e.EventType == "case_review_overdue" && e.DataJson.Contains("Erase"));
        // The owner's items about the case went with it; it is told that the hub erased it, and why.
        var feed = await hub.FeedAfter("NL-TBKK", 0);
        Assert.DoesNotContain(feed, i => i.Review?.CaseId == caseId);
        var notice = Assert.Single(feed, i => i.CaseErased?.CaseReference == shown.Reference).CaseErased;
        Assert.Equal(("NL-TBKK", ErasureBasis.RetentionExpired), (notice.OwnerUnit, notice.LegalBasis));
    }
}
