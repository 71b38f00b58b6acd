using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;
using ErasureBasis = EvidenceHub.Contracts.V1.ErasureBasis;
using IdentifierKind = EvidenceHub.Contracts.V1.IdentifierKind;

namespace EvidenceHub.Tests.Erasure;

/// Erasing a case's holding of a suspect identifier end to end (docs/erasure.md, test plan 3), on a hub of its own so
/// that the dump of its database holds only this class's data: the value was never stored in plaintext, and after the
/// erasure nothing of the erased holding opens (its key is gone) while the other unit's holding of the same value still
/// matches; the log still verifies, proofs taken before verify after, replay and as-of show the placeholder, the other
/// unit is told, the access log says who erased what.
public sealed class IdentifierErasureTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly Justification Why = new() { Purpose = "victim reported contact by this number", CaseReference = "US-2026-0042" };

    private AuditService.AuditServiceClient Auditor => hub.Audit("EU-AUDIT");

    [Fact]
    public async Task An_erased_identifier_is_gone_from_the_database_while_the_log_its_proofs_and_the_other_unit_s_holding_remain()
    {
        var nl = hub.Cases("NL-TBKK", user: "j.devries");
        var be = hub.Cases("BE-FCCU");
        var digits = string.Concat(Enumerable.Range(0, 7).Select(_ => Random.Shared.Next(10)));
        var (raw, canonical, canonicalKey) = ($"06-1{digits}", $"+3161{digits}", $"phone:+3161{digits}");
        var beFeedFrom = await hub.Feed("BE-FCCU").LastPosition();

        var mine = await nl.OpenedCase(Tlp.Green);
        var adding = AddIdentifier(mine, IdentifierKind.PhoneNumber, raw);
        var added = await nl.AddSuspectIdentifierAsync(adding);
        var keptEmail = Unique.Email();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(mine, IdentifierKind.EmailAddress, keptEmail));
        var theirs = await be.OpenedCase(Tlp.Green);
        var theirsAdded = await be.AddSuspectIdentifierAsync(AddIdentifier(theirs, IdentifierKind.PhoneNumber, $"+31 6 1{digits}"));
        Assert.Equal(1, theirsAdded.Correlations);
        var partner = hub.Lookups("US-HSI-C3");
        var lookup = new LookupRequest { Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.PhoneNumber, Value = canonical } }, Justification = Why };
        Assert.Equal(["BE-FCCU", "NL-TBKK"], (await partner.LookupAsync(lookup)).Disclosures.Select(d => d.OwnerUnit).Order());
        await hub.ProjectionsCaughtUp();

        // Before: the owner reads its value, matched by a pseudonym; the value is nowhere in plaintext (events, holdings,
        // receipts, feed items, access records), nor the unkeyed stream id that would let a guess find its stream.
        var pseudonym = HubFixture.Pseudonyms.Of(canonicalKey);
        var before = await GetCase(nl, mine);
        var shown = before.Identifiers.Single(i => i.Pseudonym == pseudonym);
        Assert.Equal((canonicalKey, canonical, raw), (shown.Key, shown.CanonicalValue, shown.RawValue));
        var unkeyedStreamId = IdentifierCorrelations.StreamIdFor(canonicalKey).ToString();
        var holdingKey = await HoldingKey(mine, pseudonym);
        var dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.Empty(Found(dumped, raw, canonical, digits, unkeyedStreamId));
        Assert.Contains("bytea", dumped.Find(holdingKey));
        Assert.NotEmpty(dumped.Find(pseudonym));
        // The other unit's feed names the value as that unit holds it (opened from its own holding as it is delivered).
        var correlated = (await hub.FeedAfter("BE-FCCU", beFeedFrom)).Single(i => i.Correlation?.YourCaseId == theirs).Correlation;
        Assert.Equal(canonicalKey, correlated.IdentifierKey);

        // Proofs taken before the erasure: the addition's inclusion in a signed checkpoint, and that checkpoint's
        // consistency with an earlier one.
        var eventsBefore = await Auditor.ReplayLogged(mine);
        var addedEvent = eventsBefore.Single(e => e.EventType == "suspect_identifier_added" && e.ReadableJson.Contains(canonical));
        Assert.DoesNotContain(canonical, addedEvent.DataJson);
        var proofs = await ProofsBeforeErasure.Take(Auditor, addedEvent, eventsBefore);
        var asOfVersion = before.Version;

        var erase = new EraseSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = mine, IdentifierKey = canonicalKey, LegalBasis = ErasureBasis.UnlawfulProcessing,
            Reason = "number of an uninvolved person (ticket DPO-9)",
        };
        var erased = await nl.EraseSuspectIdentifierAsync(erase);
        var retried = await nl.EraseSuspectIdentifierAsync(erase);
        Assert.Equal((erased.Version, false, true), (retried.Version, erased.Replayed, retried.Replayed));
        await hub.ProjectionsCaughtUp();

        // After: the holding's key is gone with the holding; the value nowhere; the kept identifier still readable.
        dumped = await DatabaseDump.Of(hub.Database.ConnectionString);
        Assert.Empty(Found(dumped, raw, canonical, digits, unkeyedStreamId));
        Assert.Empty(dumped.Find(holdingKey));
        var after = await GetCase(nl, mine);
        Assert.DoesNotContain(after.Identifiers, i => i.Pseudonym == pseudonym);
        Assert.Contains(after.Identifiers, i => i.CanonicalValue == keptEmail.ToLowerInvariant());
        Assert.Equal(0L, await Scalar($"SELECT count(*) FROM {EvidenceHub.Hub.Store.EventStore.Schema}.mt_doc_identifierholding WHERE id = @case",
            IdentifierHolding.IdFor(Guid.Parse(mine), pseudonym)));

        // The log: intact, the old proofs verify against leaves recomputed from what is stored now.
        var eventsAfter = await Auditor.ReplayLogged(mine);
        var replayedAdd = await proofs.StillVerify(Auditor, eventsAfter);

        // Replay: the stored JSON unchanged (it still hashes to the leaf), its readable form shows the placeholder; the
        // erasure is an event of its own, with who, why and on which basis, naming the holding by pseudonym.
        Assert.DoesNotContain(canonical, replayedAdd.ReadableJson);
        Assert.Contains(Sealed.ErasedPlaceholder, replayedAdd.ReadableJson);
        var erasure = eventsAfter.Single(e => e.CommandId == erase.CommandId && e.EventType == "suspect_identifier_erased");
        Assert.Equal(("NL-TBKK", "j.devries"), (erasure.Unit, erasure.User));
        Assert.Contains("UnlawfulProcessing", erasure.DataJson);
        Assert.Contains(pseudonym, erasure.DataJson);

        // As of a moment before the erasure: the key is gone, so the past shows the placeholder as well.
        var asOf = await Auditor.GetCaseAsOfAsync(new GetCaseAsOfRequest { Justification = AuditClient.Why, CaseId = mine, Version = asOfVersion });
        var past = asOf.Identifiers.Single(i => i.Pseudonym == pseudonym);
        Assert.Equal((Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder, Sealed.ErasedPlaceholder), (past.Key, past.CanonicalValue, past.RawValue));
        Assert.Equal(IdentifierKind.PhoneNumber, past.Kind);

        // The other unit was told (Art. 7(3)), by its own key of the identifier, never the erased holding's value.
        var notice = (await hub.FeedAfter("BE-FCCU", beFeedFrom)).Single(i => i.Erasure is not null).Erasure;
        Assert.Equal((canonicalKey, "NL-TBKK", theirs), (notice.IdentifierKey, notice.ErasingUnit, notice.YourCaseId));

        // The access log says who erased what (by pseudonym), when and on which basis; asking about the number finds it.
        var records = await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = mine });
        var erasing = records.Where(r => r.Operation == "EraseSuspectIdentifier").ToList();
        // The erasure; its retry under the same command id ran nothing and answered from its receipt.
        Assert.Single(erasing);
        Assert.All(erasing, r => Assert.Equal(("NL-TBKK", "j.devries", AccessOutcome.Allowed), (r.Unit, r.User, r.Outcome)));
        Assert.Contains("UnlawfulProcessing", erasing[0].Asked);
        Assert.Contains(pseudonym, erasing[0].Asked);
        Assert.DoesNotContain(digits, erasing[0].Asked);
        var aboutTheNumber = await Auditor.AccessLog(new QueryAccessLogRequest { Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.PhoneNumber, Value = raw }, IdentifierRegion = "NL" });
        Assert.Contains(aboutTheNumber, r => r.Operation == "EraseSuspectIdentifier");
        Assert.Contains(aboutTheNumber, r => r.Operation == "Lookup" && r.Unit == "US-HSI-C3");

        // The partner's lookup no longer finds the erased case, and still finds the other unit's holding.
        Assert.Equal(["BE-FCCU"], (await partner.LookupAsync(lookup)).Disclosures.Select(d => d.OwnerUnit));
        // A retry of the command that added the erased value gets its first answer (without the value) and adds nothing.
        var retryOfAdd = await nl.AddSuspectIdentifierAsync(adding);
        Assert.Equal((true, added.Version, "", "", pseudonym), (retryOfAdd.Replayed, retryOfAdd.Version, retryOfAdd.Identifier.CanonicalValue, retryOfAdd.Identifier.RawValue,
            retryOfAdd.Identifier.Pseudonym));
        Assert.DoesNotContain((await GetCase(nl, mine)).Identifiers, i => i.Pseudonym == pseudonym);
    }

    [Fact]
    public async Task Another_unit_s_erasure_answers_exactly_like_one_on_a_case_that_does_not_exist()
    {
        var nl = hub.Cases("NL-TBKK");
        var mine = await nl.OpenedCase();
        var email = Unique.Email();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(mine, IdentifierKind.EmailAddress, email));
        EraseSuspectIdentifierRequest Erase(string caseId) => new()
        {
            CommandId = NewId(), CaseId = caseId, IdentifierKey = "email:" + email, LegalBasis = ErasureBasis.CourtOrder, Reason = "order",
        };

        var nowhere = Guid.NewGuid().ToString();
        var stranger = await Failure(() => hub.Cases("BE-FCCU").EraseSuspectIdentifierAsync(Erase(mine)).ResponseAsync);
        var missing = await Failure(() => hub.Cases("BE-FCCU").EraseSuspectIdentifierAsync(Erase(nowhere)).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (stranger.Code, missing.Code));
        Assert.Equal(Shape(missing.Status, nowhere), Shape(stranger.Status, mine));
        Assert.Equal((StatusCode.InvalidArgument, "legal_basis"),
            (await Failure(() => nl.EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest(Erase(mine)) { LegalBasis = ErasureBasis.Unspecified }).ResponseAsync)) is var bad ? (bad.Code, bad.Field) : default);
        Assert.Equal((StatusCode.NotFound, "identifier_key"),
            (await Failure(() => nl.EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest(Erase(mine)) { IdentifierKey = "email:" + Unique.Email() }).ResponseAsync)) is var gone ? (gone.Code, gone.Field) : default);

        // Nothing was erased: the owner still reads its value.
        Assert.Contains((await GetCase(nl, mine)).Identifiers, i => i.CanonicalValue == email.ToLowerInvariant());
        var refused = (await Auditor.AccessLog(new QueryAccessLogRequest { CaseId = mine })).Where(r => r.Operation == "EraseSuspectIdentifier").ToList();
        Assert.Contains(refused, r => r.Unit == "BE-FCCU" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task In_a_Sync_burst_an_identifier_erased_and_added_again_is_a_new_holding_under_a_new_key()
    {
        var nl = hub.Cases("NL-TBKK");
        var mine = await nl.OpenedCase();
        var email = Unique.Email();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(mine, IdentifierKind.EmailAddress, email));
        var keysBefore = await Scalar($"SELECT count(*) FROM {SubjectKeyStore.Table} WHERE case_id = @case", mine);

        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { EraseSuspectIdentifier = new EraseSuspectIdentifierRequest
            { CommandId = NewId(), CaseId = mine, IdentifierKey = "email:" + email, LegalBasis = ErasureBasis.LegalObligation, Reason = "r" } });
        await sync.RequestStream.WriteAsync(new SyncCommand { AddSuspectIdentifier = AddIdentifier(mine, IdentifierKind.EmailAddress, email) });
        await sync.RequestStream.CompleteAsync();
        var results = await sync.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.All(results, r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        var held = Assert.Single((await GetCase(nl, mine)).Identifiers);
        Assert.Equal(email.ToLowerInvariant(), held.CanonicalValue);
        // One key destroyed, one made: still the case's own key (its free text) and one for the one holding.
        Assert.Equal((2L, 2L), (keysBefore, await Scalar($"SELECT count(*) FROM {SubjectKeyStore.Table} WHERE case_id = @case", mine)));
    }

    /// The status a client sees, with the case id it named taken out (the one thing that differs by construction).
    private static string Shape(Google.Rpc.Status status, string caseId) =>
        status.Code + "|" + status.Message.Replace(caseId, "<case>") + "|" + string.Join(",", status.Details.Select(d => d.TypeUrl + ":" + d.Value.ToStringUtf8().Replace(caseId, "<case>")));

    private static string[] Found(DatabaseDump dump, params string[] values) =>
        values.SelectMany(v => dump.Find(v).Select(where => $"{v} in {where}")).ToArray();

    private static async Task<Case> GetCase(CaseService.CaseServiceClient cases, string caseId) =>
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "case work" } });

    /// The holding's data key, read from the key table (the test's view of what erasure must destroy).
    private async Task<byte[]> HoldingKey(string caseId, string pseudonym)
    {
        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var holding = await session.LoadAsync<IdentifierHolding>(IdentifierHolding.IdFor(Guid.Parse(caseId), pseudonym));
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand($"SELECT key FROM {SubjectKeyStore.Table} WHERE subject = @subject", connection);
        query.Parameters.AddWithValue("subject", holding!.Subject);
        return (byte[])(await query.ExecuteScalarAsync())!;
    }

    private async Task<long> Scalar(string sql, string caseId)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("case", Guid.TryParse(caseId, out var id) ? id : caseId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
