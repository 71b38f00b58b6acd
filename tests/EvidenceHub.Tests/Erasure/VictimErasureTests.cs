using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;
using ErasureBasis = EvidenceHub.Contracts.V1.ErasureBasis;

namespace EvidenceHub.Tests.Erasure;

/// Erasing a victim link end to end, on a hub of its own so that the dump of its database holds only this test's data:
/// the value is gone from every table (text, base64 and bytea searched), the log still verifies, proofs taken before
/// the erasure verify after it, and replay, as-of and GetCase show the placeholder.
public sealed class VictimErasureTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private AuditService.AuditServiceClient Auditor => hub.Audit("EU-AUDIT");

    [Fact]
    public async Task An_erased_victim_link_is_gone_from_the_database_while_the_log_and_its_earlier_proofs_still_verify()
    {
        var nl = hub.Cases("NL-TBKK", user: "j.devries");
        var caseId = await nl.OpenedCase();
        var account = await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PlatformAccount, "@s_" + Guid.NewGuid().ToString("N")[..12], "Snapchat"));
        var reference = "VREF-" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        var link = new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = reference, AgeBand = AgeBand._13To15, Country = "NL",
            ContactedBy = account.Identifier.Key,
        };
        var linked = await nl.LinkVictimAsync(link);
        var kept = await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-KEPT-" + reference, AgeBand = AgeBand.Under13, Country = "BE" });
        await hub.ProjectionsCaughtUp();

        // Before: readable to the owner, never stored in plaintext, but its key and the receipt's fingerprint of the
        // request (which would confirm a guess of the reference) are in the database.
        var before = await GetCase(nl, caseId);
        Assert.Equal((reference, account.Identifier.Key), (Link(before, linked.VictimLinkId).VictimReference, Link(before, linked.VictimLinkId).ContactedBy));
        var subjectKey = await KeyOf(caseId, reference, before);
        var fingerprint = CommandReceipt.FingerprintOf(link);
        var dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.Empty(dumped.Find(reference));
        Assert.Contains("bytea", dumped.Find(subjectKey));
        Assert.Contains("text", dumped.Find(fingerprint));
        Assert.Equal(2, await VictimCount(caseId));

        // Proofs taken before the erasure: the victim link's inclusion in a signed checkpoint, and that checkpoint's
        // consistency with an earlier one.
        var eventsBefore = await Auditor.ReplayLogged(caseId);
        var linkedEvent = eventsBefore.Single(e => e.CommandId == link.CommandId);
        Assert.Contains(reference, linkedEvent.ReadableJson);
        var proofs = await ProofsBeforeErasure.Take(Auditor, linkedEvent, eventsBefore);
        var asOfVersion = before.Version;

        var erase = new EraseVictimLinkRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimLinkId = linked.VictimLinkId, LegalBasis = ErasureBasis.UnlawfulProcessing,
            Reason = "linked to the wrong case (ticket DPO-4)",
        };
        var erased = await nl.EraseVictimLinkAsync(erase);
        var retried = await nl.EraseVictimLinkAsync(erase);
        Assert.Equal((erased.Version, erased.VictimLinkId, false, true), (retried.Version, retried.VictimLinkId, erased.Replayed, retried.Replayed));
        // Erasing again under a new command id appends nothing.
        var again = await nl.EraseVictimLinkAsync(new EraseVictimLinkRequest(erase) { CommandId = NewId() });
        Assert.Equal(erased.Version, again.Version);
        await hub.ProjectionsCaughtUp();

        // After: nowhere in the database, the key and the fingerprint gone too; the link kept is still readable.
        dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.Empty(dumped.Find(reference));
        Assert.Empty(dumped.Find(subjectKey));
        Assert.Empty(dumped.Find(fingerprint));
        var after = await GetCase(nl, caseId);
        var shown = Link(after, linked.VictimLinkId);
        Assert.Equal((Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder, "NL"), (shown.VictimReference, shown.ContactedBy, shown.Country));
        Assert.NotNull(shown.ErasedAt);
        Assert.Equal("V-KEPT-" + reference, Link(after, kept.VictimLinkId).VictimReference);
        Assert.Equal(1, after.VictimCount);
        Assert.Equal(1, await VictimCount(caseId));

        // The log: intact, the old proofs verify against leaves recomputed from what is stored now.
        var eventsAfter = await Auditor.ReplayLogged(caseId);
        var replayedLink = await proofs.StillVerify(Auditor, eventsAfter);

        // Replay: the stored JSON unchanged (it still hashes to the leaf), its readable form shows the placeholder, and
        // the erasure is an event of its own with who, why and on which basis.
        Assert.DoesNotContain(reference, replayedLink.ReadableJson);
        Assert.Contains(Sealed.ErasedPlaceholder, replayedLink.ReadableJson);
        var erasure = eventsAfter.Single(e => e.CommandId == erase.CommandId);
        Assert.Equal(("victim_link_erased", "NL-TBKK", "j.devries"), (erasure.EventType, erasure.Unit, erasure.User));
        Assert.Contains("UnlawfulProcessing", erasure.DataJson);
        Assert.Contains("DPO-4", erasure.DataJson);

        // As of a moment before the erasure: the key is gone, so the past shows the placeholder as well.
        var asOf = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { Justification = AuditClient.Why, CaseId = caseId, Version = asOfVersion });
        Assert.Equal(Sealed.ErasedPlaceholder, Link(asOf, linked.VictimLinkId).VictimReference);
        Assert.Null(Link(asOf, linked.VictimLinkId).ErasedAt);

        // The access log says who erased what, when and why: the erasure and the second command (which found it erased);
        // the retry under the first command's id ran nothing and answered from its receipt.
        var records = await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId });
        var erasing = records.Where(r => r.Operation == "EraseVictimLink").ToList();
        Assert.Equal(2, erasing.Count);
        Assert.All(erasing, r => Assert.Equal(("NL-TBKK", "j.devries", AccessOutcome.Allowed), (r.Unit, r.User, r.Outcome)));
        Assert.Contains(linked.VictimLinkId, erasing[0].Asked);
        Assert.Contains("UnlawfulProcessing", erasing[0].Asked);
        Assert.Equal(erase.Reason, erasing[0].Justification);
        Assert.Contains("erased before", erasing[1].Disclosed);

        // A retry of the command that linked the erased victim gets its first answer and does not link it again.
        var relink = await nl.LinkVictimAsync(link);
        Assert.Equal((linked.VictimLinkId, linked.Version, true), (relink.VictimLinkId, relink.Version, relink.Replayed));
        Assert.Equal(Sealed.ErasedPlaceholder, Link(await GetCase(nl, caseId), linked.VictimLinkId).VictimReference);
        Assert.Equal(2, (await GetCase(nl, caseId)).VictimLinks.Count);
    }

    [Fact]
    public async Task Only_the_owner_erases_and_a_case_it_may_not_see_answers_as_missing()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var linked = await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-OWN-1", AgeBand = AgeBand.Adult, Country = "NL" });
        EraseVictimLinkRequest Erase() => new() { CommandId = NewId(), CaseId = caseId, VictimLinkId = linked.VictimLinkId, LegalBasis = ErasureBasis.CourtOrder, Reason = "order" };

        var stranger = await Failure(() => hub.Cases("BE-FCCU").EraseVictimLinkAsync(Erase()).ResponseAsync);
        var missing = await Failure(() => hub.Cases("BE-FCCU").EraseVictimLinkAsync(new EraseVictimLinkRequest(Erase()) { CaseId = Guid.NewGuid().ToString() }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (stranger.Code, missing.Code));
        Assert.Equal((StatusCode.InvalidArgument, "legal_basis"),
            (await Failure(() => nl.EraseVictimLinkAsync(new EraseVictimLinkRequest(Erase()) { LegalBasis = ErasureBasis.Unspecified }).ResponseAsync)) is var bad ? (bad.Code, bad.Field) : default);
        Assert.Equal((StatusCode.NotFound, "victim_link_id"),
            (await Failure(() => nl.EraseVictimLinkAsync(new EraseVictimLinkRequest(Erase()) { VictimLinkId = Guid.NewGuid().ToString() }).ResponseAsync)) is var gone ? (gone.Code, gone.Field) : default);

        var owner = await GetCase(nl, caseId);
        Assert.Equal("V-OWN-1", Link(owner, linked.VictimLinkId).VictimReference);
        var refused = (await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId })).Where(r => r.Operation == "EraseVictimLink").ToList();
        Assert.Contains(refused, r => r.Unit == "BE-FCCU" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task In_a_Sync_burst_a_victim_linked_again_is_recognised_and_its_erasure_destroys_only_its_key()
    {
        var nl = hub.Cases("NL-TBKK");
        var caseId = await nl.OpenedCase();
        var linkId = (await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-SYNC-0", AgeBand = AgeBand.Adult, Country = "NL" })).VictimLinkId;

        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { LinkVictim = new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-SYNC-1", AgeBand = AgeBand.Adult, Country = "NL" } });
        await sync.RequestStream.WriteAsync(new SyncCommand { LinkVictim = new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-SYNC-0", AgeBand = AgeBand.Adult, Country = "NL" } });
        await sync.RequestStream.WriteAsync(new SyncCommand { EraseVictimLink = new EraseVictimLinkRequest { CommandId = NewId(), CaseId = caseId, VictimLinkId = linkId, LegalBasis = ErasureBasis.LegalObligation, Reason = "r" } });
        await sync.RequestStream.CompleteAsync();
        var results = new List<SyncResult>();
        await foreach (var result in sync.ResponseStream.ReadAllAsync()) results.Add(result);

        Assert.All(results, r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        // The second command found V-SYNC-0 already linked (compared opened, within the burst's keys).
        Assert.Equal(linkId, results[1].Result.VictimLinkId);
        var file = await GetCase(nl, caseId);
        Assert.Equal([Sealed.ErasedPlaceholder, "V-SYNC-1"], file.VictimLinks.Select(v => v.VictimReference));
        Assert.Equal(1L, await Scalar($"SELECT count(*) FROM {SubjectKeyStore.Table} WHERE case_id = @case AND kind = {(int)SubjectKind.VictimLink}", caseId));
        Assert.Contains(results, r => r.Result.VictimLinkId == linkId);
    }

    private static async Task<Case> GetCase(CaseService.CaseServiceClient cases, string caseId) =>
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "case work" } });

    private static VictimLink Link(Case c, string linkId) => c.VictimLinks.Single(v => v.VictimLinkId == linkId);

    /// The key of the link with this reference, read from the key table (the test's view of what erasure must destroy).
    private async Task<byte[]> KeyOf(string caseId, string reference, Case shown)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand($"SELECT subject, key FROM {SubjectKeyStore.Table} WHERE case_id = @case AND kind = {(int)SubjectKind.VictimLink}", connection);
        query.Parameters.AddWithValue("case", Guid.Parse(caseId));
        var keys = new List<SubjectKey>();
        await using (var rows = await query.ExecuteReaderAsync())
            while (await rows.ReadAsync()) keys.Add(new SubjectKey(rows.GetGuid(0), Guid.Parse(caseId), SubjectKind.VictimLink, rows.GetFieldValue<byte[]>(1)));
        Assert.Equal(shown.VictimLinks.Count, keys.Count);
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var file = await session.LoadAsync<Hub.Cases.CaseFile>(Guid.Parse(caseId));
        var ring = new SubjectKeyRing(keys);
        var subject = file!.Victims.Single(v => v.VictimReference.Open(ring, nameof(Hub.Victims.VictimLinked.VictimReference)) == reference).VictimReference.Subject;
        return keys.Single(k => k.Subject == subject).Key;
    }

    /// What lookups and networks disclose of the case's victims: a count, which drops with the erasure.
    private async Task<int> VictimCount(string caseId)
    {
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.LoadAsync<CaseSummary>(Guid.Parse(caseId)))!.VictimCount;
    }

    private async Task<long> Scalar(string sql, string caseId)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("case", Guid.Parse(caseId));
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
