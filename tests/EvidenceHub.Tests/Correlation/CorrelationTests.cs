using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Correlation;

/// NL and CA hold the same Snapchat handle, phone number and IBAN; BE holds them too, in a RED case. Cases that are
/// to correlate across units are GREEN, or AMBER listing the other unit: an AMBER case discloses to listed units only.
[Collection(FeedHub.Name)]
public sealed class CorrelationTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");

    private sealed record Shared(string Handle, string Phone, string Iban);

    private static Shared NewShared() => new(Unique.SnapchatHandle(), Unique.DutchMobile(), Unique.DutchIban());

    private static async Task<IReadOnlyList<CommandResult>> AddAll(CaseService.CaseServiceClient unit, string caseId, Shared shared) =>
    [
        await unit.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PlatformAccount, "@" + shared.Handle.ToUpperInvariant(), "Snapchat")),
        await unit.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, shared.Phone)),
        await unit.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.Iban, shared.Iban)),
    ];

    [Fact]
    public async Task Units_holding_the_same_identifiers_are_both_told_whom_to_contact()
    {
        var shared = NewShared();
        var nlFeedStart = await hub.Feed("NL-TBKK").LastPosition();
        var caFeedStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var nlCase = await nl.OpenCaseAsync(OpenCase(tlp: Tlp.Amber, partners: "CA-RCMP-NCECC"));
        var caCase = await ca.OpenCaseAsync(OpenCase(tlp: Tlp.Green));

        var nlAdded = await AddAll(nl, nlCase.CaseId, shared);
        var caAdded = await AddAll(ca, caCase.CaseId, shared);

        Assert.All(nlAdded, r => Assert.Equal(0, r.Correlations));
        Assert.All(caAdded, r => Assert.Equal(1, r.Correlations));

        var keys = caAdded.Select(r => r.Identifier.Key).ToHashSet();
        var toNl = (await hub.FeedAfter("NL-TBKK", nlFeedStart))
            .Where(i => i.Correlation?.YourCaseId == nlCase.CaseId).ToList();
        var toCa = (await hub.FeedAfter("CA-RCMP-NCECC", caFeedStart))
            .Where(i => i.Correlation?.YourCaseId == caCase.CaseId).ToList();

        Assert.Equal(keys, toNl.Select(i => i.Correlation.IdentifierKey).ToHashSet());
        Assert.Equal(keys, toCa.Select(i => i.Correlation.IdentifierKey).ToHashSet());
        Assert.All(toNl, i => Assert.Equal(("CA-RCMP-NCECC", "CA", Tlp.Green), (i.Correlation.OtherCase.OwnerUnit, i.Correlation.OtherCase.OwnerCountry, i.Correlation.OtherCase.Tlp)));
        Assert.All(toCa, i => Assert.Equal(("NL-TBKK", Tlp.Amber, HandlingCode.H0), (i.Correlation.OtherCase.OwnerUnit, i.Correlation.OtherCase.Tlp, i.Correlation.OtherCase.HandlingCode)));
        // Whom to contact, never the victims.
        Assert.All(toNl.Concat(toCa), i => Assert.Equal(0, i.Correlation.OtherCase.VictimCount));
    }

    [Fact]
    public async Task A_red_case_is_correlated_but_never_disclosed_to_the_other_unit()
    {
        var shared = NewShared();
        var nlFeedStart = await hub.Feed("NL-TBKK").LastPosition();
        var beFeedStart = await hub.Feed("BE-FCCU").LastPosition();
        var redCase = await be.OpenCaseAsync(OpenCase(tlp: Tlp.Red));
        await AddAll(be, redCase.CaseId, shared);
        var nlCase = await nl.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        var added = await AddAll(nl, nlCase.CaseId, shared);
        // Recorded (and told to the RED owner) all the same, but NL's answer is that of a value nobody holds.
        Assert.All(added, r => Assert.Equal((0, false), (r.Correlations, r.Common)));

        // The RED owner learns of the NL case; NL learns nothing of the RED case.
        var toBe = await hub.FeedAfter("BE-FCCU", beFeedStart);
        Assert.Equal(3, Correlations(toBe, redCase.CaseId).Count);
        await hub.ProjectionsCaughtUp();
        var toNl = await hub.Feed("NL-TBKK").ReadAll(nlFeedStart);
        Assert.Empty(Correlations(toNl, nlCase.CaseId));
    }

    [Fact]
    public async Task A_retraction_reaches_every_unit_that_was_told()
    {
        var shared = NewShared();
        var nlCase = await nl.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        var caCase = await ca.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        await AddAll(nl, nlCase.CaseId, shared);
        var caAdded = await AddAll(ca, caCase.CaseId, shared);
        var caFeedStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var phoneKey = caAdded[1].Identifier.Key;

        var retracted = await nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = nlCase.CaseId, IdentifierKey = phoneKey, Reason = "Typo in the number",
        });
        Assert.Equal(5, retracted.Version);

        var toCa = await hub.FeedAfter("CA-RCMP-NCECC", caFeedStart);
        var notice = Assert.Single(toCa, i => i.Retraction?.IdentifierKey == phoneKey).Retraction;
        Assert.Equal(("NL-TBKK", "Typo in the number", caCase.CaseId), (notice.RetractingUnit, notice.Reason, notice.YourCaseId));

        // The retracted identifier no longer matches: a third case adding it correlates only with CA.
        var third = await be.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        var again = await be.AddSuspectIdentifierAsync(AddIdentifier(third.CaseId, IdentifierKind.PhoneNumber, shared.Phone));
        Assert.Equal(1, again.Correlations);
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = nlCase.CaseId, Justification = new() { Purpose = "test" } });
        var phone = Assert.Single(file.Identifiers, i => i.Key == phoneKey);
        Assert.NotNull(phone.RetractedAt);
        Assert.Equal("Typo in the number", phone.RetractionReason);
    }

    [Fact]
    public async Task Retracting_an_identifier_the_case_does_not_hold_is_not_found()
    {
        var caseId = await nl.OpenedCase();
        var failure = await Failure(() => nl.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest
        {
            CommandId = NewId(), CaseId = caseId, IdentifierKey = "phone:+31600000000", Reason = "wrong",
        }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "identifier_key"), (failure.Code, failure.Field));
    }

    [Fact]
    public async Task Cases_of_the_same_unit_are_correlated_too()
    {
        var email = Unique.Email();
        var first = await nl.OpenedCase();
        var second = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(first, IdentifierKind.EmailAddress, email));
        var added = await nl.AddSuspectIdentifierAsync(AddIdentifier(second, IdentifierKind.EmailAddress, email));
        Assert.Equal(1, added.Correlations);
    }

    [Fact]
    public async Task A_common_value_stops_correlating()
    {
        var email = Unique.Email();
        var results = new List<CommandResult>();
        for (var i = 0; i < HubFixture.CommonThreshold + 2; i++)
        {
            var unit = i % 2 == 0 ? nl : ca;
            results.Add(await unit.AddSuspectIdentifierAsync(AddIdentifier(await unit.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email)));
        }

        Assert.Equal(Enumerable.Range(0, HubFixture.CommonThreshold), results.Take(HubFixture.CommonThreshold).Select(r => r.Correlations));
        Assert.All(results.Take(HubFixture.CommonThreshold), r => Assert.False(r.Common));
        Assert.All(results.Skip(HubFixture.CommonThreshold), r => Assert.Equal((0, true), (r.Correlations, r.Common)));
    }

    [Fact]
    public async Task A_value_marked_not_to_correlate_by_a_unit_does_not_correlate_for_it()
    {
        var email = Unique.Email();
        var marked = await nl.MarkNotToCorrelateAsync(new MarkNotToCorrelateRequest
        {
            CommandId = NewId(), Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email.ToUpperInvariant() },
            Reason = "Our own decoy account",
        });
        Assert.Equal(HubFixture.Pseudonyms.Of("email:" + email), marked.IdentifierKey);

        var nlCase = await nl.OpenedCase();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, email));
        var caAdded = await ca.AddSuspectIdentifierAsync(AddIdentifier(await ca.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        Assert.Equal(0, caAdded.Correlations);
        var beAdded = await be.AddSuspectIdentifierAsync(AddIdentifier(await be.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        Assert.Equal(1, beAdded.Correlations); // with CA only
    }

    [Fact]
    public async Task A_mark_not_to_correlate_travels_in_sync_answers_once_and_holds_for_the_rest_of_its_burst()
    {
        var email = Unique.Email();
        await ca.AddSuspectIdentifierAsync(AddIdentifier(await ca.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        var nlCase = await nl.OpenedCase();
        var mark = new MarkNotToCorrelateRequest
        {
            CommandId = NewId(), Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email }, Reason = "Our own decoy account",
        };
        SyncCommand[] commands = [new() { MarkNotToCorrelate = mark }, new() { AddSuspectIdentifier = AddIdentifier(nlCase, IdentifierKind.EmailAddress, email) }];

        using var call = nl.Sync();
        foreach (var command in commands) await call.RequestStream.WriteAsync(command);
        await call.RequestStream.CompleteAsync();
        var results = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(SyncResult.OutcomeOneofCase.NotToCorrelate, results[0].OutcomeCase);
        Assert.Equal((HubFixture.Pseudonyms.Of("email:" + email), false, mark.CommandId), (results[0].NotToCorrelate.IdentifierKey, results[0].NotToCorrelate.Replayed, results[0].CommandId));
        Assert.Equal(0, results[1].Result.Correlations);
        // The same command again, alone: the stored answer, and no second mark.
        var again = await nl.MarkNotToCorrelateAsync(mark);
        Assert.Equal((HubFixture.Pseudonyms.Of("email:" + email), true), (again.IdentifierKey, again.Replayed));
        var reused = await Assert.ThrowsAsync<RpcException>(() => nl.MarkNotToCorrelateAsync(new MarkNotToCorrelateRequest(mark) { Reason = "something else" }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
    }

    [Fact]
    public async Task Two_units_adding_the_same_identifier_at_once_are_correlated()
    {
        for (var round = 0; round < 5; round++)
        {
            var email = Unique.Email();
            var nlCase = await nl.OpenedCase(Tlp.Green);
            var caCase = await ca.OpenedCase(Tlp.Green);
            var both = await Task.WhenAll(
                nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, email)).ResponseAsync,
                ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, email)).ResponseAsync);
            Assert.Equal(1, both.Sum(r => r.Correlations));
        }
    }

    [Fact]
    public async Task A_sync_burst_correlates_within_itself_and_with_stored_cases()
    {
        var email = Unique.Email();
        await ca.AddSuspectIdentifierAsync(AddIdentifier(await ca.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        var first = OpenCase();
        var second = OpenCase();
        using var call = nl.Sync();
        foreach (var command in new SyncCommand[]
                 {
                     new() { OpenCase = first }, new() { OpenCase = second },
                     new() { AddSuspectIdentifier = AddIdentifier(first.CaseId, IdentifierKind.EmailAddress, email) },
                     new() { AddSuspectIdentifier = AddIdentifier(second.CaseId, IdentifierKind.EmailAddress, email) },
                 })
            await call.RequestStream.WriteAsync(command);
        await call.RequestStream.CompleteAsync();
        var results = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal([1, 2], results.Skip(2).Select(r => r.Result.Correlations));
    }

    private static List<CorrelationNotice> Correlations(IEnumerable<FeedItem> items, string yourCaseId) =>
        items.Where(i => i.Correlation?.YourCaseId == yourCaseId).Select(i => i.Correlation).ToList();
}
