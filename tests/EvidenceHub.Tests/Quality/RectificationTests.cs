using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Quality;

/// Rectification over gRPC (LED Art. 16, Art. 7(3)): a wrongly typed identifier replaced, a victim link corrected.
[Collection(FeedHub.Name)]
public sealed class RectificationTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private static readonly Justification Why = new() { Purpose = "rectification test" };

    private static (string Wrong, string Right) TwoEmails()
    {
        var right = Unique.Email();
        return (right.Replace("@example.com", "@exampel.com"), right);
    }

    private static ReplaceSuspectIdentifierRequest Replace(string caseId, string wrongKey, string right) => new()
    {
        CommandId = NewId(), CaseId = caseId, IdentifierKey = wrongKey, Reason = "domain mistyped",
        Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = right },
    };

    private async Task<LookupAnswer> PartnerLooksUp(string email) => await hub.Lookups("US-HSI-C3").LookupAsync(new LookupRequest
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } },
    });

    private async Task<Case> Get(CaseService.CaseServiceClient unit, string caseId) =>
        await unit.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why });

    [Fact]
    public async Task A_replaced_identifier_stops_matching_its_recipients_are_told_and_the_correction_correlates()
    {
        var (wrong, right) = TwoEmails();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        var caCase = await ca.OpenedCase(Tlp.Green);
        var beCase = await be.OpenedCase(Tlp.Green);
        var wrongKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, wrong))).Identifier.Key;
        await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, wrong));
        await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, right));
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var beStart = await hub.Feed("BE-FCCU").LastPosition();

        var replaced = await nl.ReplaceSuspectIdentifierAsync(Replace(nlCase, wrongKey, right));
        var rightKey = replaced.Identifier.Key;
        Assert.Equal(("email:" + right, 1), (rightKey, replaced.Correlations));

        // CA was told of the wrong value: it is told of the correction, and no more than it knew (not the new value).
        var toCa = await hub.FeedAfter("CA-RCMP-NCECC", caStart);
        var correction = Assert.Single(toCa, i => i.Correction is not null).Correction;
        Assert.Equal((wrongKey, "NL-TBKK", "domain mistyped", caCase, ""),
            (correction.IdentifierKey, correction.CorrectingUnit, correction.Reason, correction.YourCaseId, correction.ReplacementKey));
        Assert.DoesNotContain(toCa, i => i.Retraction is not null || i.Correlation?.IdentifierKey == rightKey);
        // BE holds the right value: correlated as usual, and told of nothing else.
        var toBe = await hub.FeedAfter("BE-FCCU", beStart);
        Assert.Equal(rightKey, Assert.Single(toBe).Correlation.IdentifierKey);

        // The old value no longer matches NL's case; the new one does.
        Assert.Equal(["CA-RCMP-NCECC"], (await PartnerLooksUp(wrong)).Disclosures.Select(d => d.OwnerUnit));
        Assert.Equal(["BE-FCCU", "NL-TBKK"], (await PartnerLooksUp(right)).Disclosures.Select(d => d.OwnerUnit).Order());

        var file = await Get(nl, nlCase);
        var old = Assert.Single(file.Identifiers, i => i.Key == wrongKey);
        Assert.Equal((true, rightKey, "domain mistyped"), (old.RetractedAt is not null, old.ReplacedBy, old.RetractionReason));
        Assert.Null(Assert.Single(file.Identifiers, i => i.Key == rightKey).RetractedAt);

        var replayed = await hub.Audit("EU-AUDIT").Replay(nlCase);
        var retraction = Assert.Single(replayed, e => e.EventType == "suspect_identifier_retracted");
        Assert.Equal(HubFixture.Pseudonyms.Of(rightKey), System.Text.Json.JsonDocument.Parse(retraction.DataJson).RootElement.GetProperty("ReplacedBy").GetString());
        Assert.Equal(retraction.CommandId, replayed.Last(e => e.EventType == "suspect_identifier_added").CommandId);
    }

    [Fact]
    public async Task A_recipient_whose_case_holds_the_correction_is_told_what_it_was_replaced_by()
    {
        var (wrong, right) = TwoEmails();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        var caCase = await ca.OpenedCase(Tlp.Green);
        var wrongKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, wrong))).Identifier.Key;
        await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, wrong));
        await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, right));
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();

        var rightKey = (await nl.ReplaceSuspectIdentifierAsync(Replace(nlCase, wrongKey, right))).Identifier.Key;

        var toCa = await hub.FeedAfter("CA-RCMP-NCECC", caStart);
        Assert.Equal(rightKey, Assert.Single(toCa, i => i.Correction is not null).Correction.ReplacementKey);
        Assert.Single(toCa, i => i.Correlation?.IdentifierKey == rightKey);
    }

    [Fact]
    public async Task A_corrected_victim_link_shows_its_new_details_and_the_summary_follows()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var email = Unique.Email();
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email));
        var linked = await nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-R-1", AgeBand = AgeBand._13To15, Country = "NL",
            FirstContactDate = new Google.Type.Date { Year = 2025, Month = 3, Day = 1 },
        });
        Assert.Equal(["NL"], (await PartnerLooksUp(email)).Disclosures.Single().VictimCountries);
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();

        var corrected = await nl.CorrectVictimLinkAsync(new CorrectVictimLinkRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimLinkId = linked.VictimLinkId, AgeBand = AgeBand.Under13, Country = "BE",
            ClearFirstContactDate = true, Reason = "age and country from the victim's passport",
        });
        Assert.Equal(linked.Version + 1, corrected.Version);

        var victim = Assert.Single((await Get(nl, caseId)).VictimLinks);
        Assert.Equal((AgeBand.Under13, "BE", null, "age and country from the victim's passport", true),
            (victim.AgeBand, victim.Country, victim.FirstContactDate, victim.CorrectionReason, victim.CorrectedAt is not null));
        Assert.Equal(["BE"], (await PartnerLooksUp(email)).Disclosures.Single().VictimCountries);
        // A victim link's details never left the owner: nobody else is told.
        Assert.DoesNotContain(await hub.FeedAfter("CA-RCMP-NCECC", caStart), i => i.Correction is not null);

        var replayed = await hub.Audit("EU-AUDIT").Replay(caseId);
        var correction = Assert.Single(replayed, e => e.EventType == "victim_link_corrected");
        var data = System.Text.Json.JsonDocument.Parse(correction.DataJson).RootElement;
        Assert.Equal(("From13To15", "NL", "Under13", "BE"), (data.GetProperty("Before").GetProperty("AgeBand").GetString(), data.GetProperty("Before").GetProperty("Country").GetString(),
            data.GetProperty("After").GetProperty("AgeBand").GetString(), data.GetProperty("After").GetProperty("Country").GetString()));
        var before = await hub.Audit("EU-AUDIT").GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Version = linked.Version, Justification = Why });
        Assert.Equal("NL", Assert.Single(before.VictimLinks).Country);
    }

    [Fact]
    public async Task Another_units_corrections_are_not_found_and_bad_input_names_its_field()
    {
        var (wrong, right) = TwoEmails();
        var green = await nl.OpenedCase(Tlp.Green);
        var red = await nl.OpenedCase(Tlp.Red);
        var wrongKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(green, IdentifierKind.EmailAddress, wrong))).Identifier.Key;
        var link = (await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = green, VictimReference = "V-R-2", AgeBand = AgeBand.Adult, Country = "NL" })).VictimLinkId;
        var since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-1));

        // Another unit's write to a case it may not see is not found, like a case that does not exist.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.ReplaceSuspectIdentifierAsync(Replace(green, wrongKey, right)).ResponseAsync)).Code);
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.ReplaceSuspectIdentifierAsync(Replace(red, wrongKey, right)).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "identifier"), (await Failure(() => nl.ReplaceSuspectIdentifierAsync(Replace(green, wrongKey, wrong.ToUpperInvariant())).ResponseAsync)) is var same ? (same.Code, same.Field) : default);
        Assert.Equal((StatusCode.NotFound, "identifier_key"), (await Failure(() => nl.ReplaceSuspectIdentifierAsync(Replace(green, "email:" + right, wrong)).ResponseAsync)) is var absent ? (absent.Code, absent.Field) : default);

        CorrectVictimLinkRequest Correct(string caseId) => new() { CommandId = NewId(), CaseId = caseId, VictimLinkId = link, Country = "BE", Reason = "r" };
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.CorrectVictimLinkAsync(Correct(green)).ResponseAsync)).Code);
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.CorrectVictimLinkAsync(Correct(red)).ResponseAsync)).Code);
        var bad = Correct(green);
        bad.Country = "ZZ";
        Assert.Equal((StatusCode.InvalidArgument, "country"), (await Failure(() => nl.CorrectVictimLinkAsync(bad).ResponseAsync)) is var f ? (f.Code, f.Field) : default);

        var refusals = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = "BE-FCCU", CaseId = green, From = since });
        Assert.Contains(refusals, r => r.Operation == "ReplaceSuspectIdentifier" && r.Outcome == AccessOutcome.Refused);
        Assert.Contains(refusals, r => r.Operation == "CorrectVictimLink" && r.Outcome == AccessOutcome.Refused);
    }

    [Fact]
    public async Task Sync_corrects_and_replaces_too()
    {
        var (wrong, right) = TwoEmails();
        var caseId = await nl.OpenedCase();
        var wrongKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, wrong))).Identifier.Key;
        var link = (await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-R-3", AgeBand = AgeBand.Adult, Country = "NL" })).VictimLinkId;
        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { ReplaceSuspectIdentifier = Replace(caseId, wrongKey, right) });
        await sync.RequestStream.WriteAsync(new SyncCommand { CorrectVictimLink = new CorrectVictimLinkRequest { CommandId = NewId(), CaseId = caseId, VictimLinkId = link, ContactedBy = "email:" + right, Reason = "bulk" } });
        await sync.RequestStream.CompleteAsync();
        var results = await sync.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.All(results, r => Assert.NotNull(r.Result));

        var file = await Get(nl, caseId);
        Assert.Equal("email:" + right, Assert.Single(file.VictimLinks).ContactedBy);
        Assert.Single(file.Identifiers, i => i.Key == "email:" + right && i.RetractedAt is null);
    }
}
