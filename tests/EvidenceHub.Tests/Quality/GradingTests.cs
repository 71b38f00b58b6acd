using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Quality;

/// Grading (SIENA 4×4, fact or assessment) over gRPC: stored as stated, carried by every disclosure, regraded by the
/// owner with every unit told of the identifier told of the new grading.
[Collection(FeedHub.Name)]
public sealed class GradingTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private static readonly Justification Why = new() { Purpose = "grading test" };

    public static readonly Grading B2Fact = new() { SourceReliability = SourceReliability.B, InformationCredibility = InformationCredibility.KnownPersonallyToTheSource, Nature = InformationNature.Fact };
    public static readonly Grading A1Fact = new() { SourceReliability = SourceReliability.A, InformationCredibility = InformationCredibility.KnownTrueWithoutReservation, Nature = InformationNature.Fact };
    public static readonly Grading NotStated = new() { SourceReliability = SourceReliability.X, InformationCredibility = InformationCredibility.CannotBeJudged, Nature = InformationNature.Assessment };

    private static AddSuspectIdentifierRequest Add(string caseId, string email, Grading? grading = null)
    {
        var request = AddIdentifier(caseId, IdentifierKind.EmailAddress, email);
        request.Grading = grading;
        return request;
    }

    private async Task<LookupAnswer> PartnerLooksUp(string email) => await hub.Lookups("US-HSI-C3").LookupAsync(new LookupRequest
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } },
    });

    private async Task<Case> Get(CaseService.CaseServiceClient unit, string caseId) =>
        await unit.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why });

    [Fact]
    public async Task Every_disclosure_carries_the_grading_and_a_regrade_reaches_every_unit_told_of_the_identifier()
    {
        var email = Unique.Email();
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        var beStart = await hub.Feed("BE-FCCU").LastPosition();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        var caCase = await ca.OpenedCase(Tlp.Green);
        var added = await nl.AddSuspectIdentifierAsync(Add(nlCase, email, B2Fact));
        Assert.Equal(B2Fact, added.Identifier.Grading);
        await ca.AddSuspectIdentifierAsync(Add(caCase, email));
        var key = added.Identifier.Key;

        // Correlation notices: each side learns the other's grading; an ungraded identifier reads as cannot be judged.
        var toCa = Assert.Single(await hub.FeedAfter("CA-RCMP-NCECC", caStart), i => i.Correlation?.IdentifierKey == key).Correlation;
        var toNl = Assert.Single(await hub.FeedAfter("NL-TBKK", nlStart), i => i.Correlation?.IdentifierKey == key).Correlation;
        Assert.Equal((B2Fact, NotStated), (toCa.OtherCase.Grading, toNl.OtherCase.Grading));

        // A lookup hit, GetCase and the network carry it too; the access log records the grading disclosed.
        var since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-1));
        var hit = await PartnerLooksUp(email);
        Assert.Equal([("NL-TBKK", B2Fact), ("CA-RCMP-NCECC", NotStated)],
            hit.Disclosures.Select(d => (d.OwnerUnit, d.Grading)).OrderByDescending(d => d.OwnerUnit));
        var record = Assert.Single(await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = "US-HSI-C3", IdentifierKey = key, From = since }),
            r => r.Operation == "Lookup");
        Assert.Contains("graded B2 fact", record.Disclosed);
        Assert.Equal(B2Fact, Assert.Single((await Get(nl, nlCase)).Identifiers).Grading);
        var network = await hub.Lookups("CA-RCMP-NCECC").GetNetworkAsync(new GetNetworkRequest { Justification = Why, CaseId = caCase });
        // CA's own case holds the identifier too: named by its value.
        Assert.Equal(B2Fact, network.Cases.Single(c => c.OwnerUnit == "NL-TBKK").Gradings[key]);

        // The owner regrades: CA (told of the identifier) is told; BE (told of nothing) is not.
        caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        await nl.RegradeDataAsync(new RegradeDataRequest { CommandId = NewId(), CaseId = nlCase, IdentifierKey = key, Grading = A1Fact, Reason = "confirmed by the platform" });
        var notice = Assert.Single(await hub.FeedAfter("CA-RCMP-NCECC", caStart), i => i.Regrading is not null).Regrading;
        Assert.Equal((key, "NL-TBKK", A1Fact, "confirmed by the platform", caCase), (notice.IdentifierKey, notice.RegradingUnit, notice.Grading, notice.Reason, notice.YourCaseId));
        Assert.DoesNotContain(await hub.FeedAfter("BE-FCCU", beStart), i => i.Regrading?.IdentifierKey == key);
        Assert.DoesNotContain(await hub.FeedAfter("NL-TBKK", nlStart), i => i.Regrading?.IdentifierKey == key);

        Assert.Equal(A1Fact, Assert.Single((await Get(nl, nlCase)).Identifiers).Grading);
        Assert.Equal(A1Fact, (await PartnerLooksUp(email)).Disclosures.Single(d => d.OwnerUnit == "NL-TBKK").Grading);
        var replayed = await hub.Audit("EU-AUDIT").Replay(nlCase);
        var regraded = Assert.Single(replayed, e => e.EventType.Contains("identifier_regraded"));
        Assert.Equal("A", System.Text.Json.JsonDocument.Parse(regraded.DataJson).RootElement.GetProperty("Grading").GetProperty("Source").GetString());
        Assert.Equal("NL-TBKK", regraded.Unit);
    }

    [Fact]
    public async Task A_victim_link_is_graded_and_regraded_and_shown_to_its_owner()
    {
        var caseId = await nl.OpenedCase();
        var linked = await nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-G-1", AgeBand = AgeBand._13To15, Country = "NL", Grading = B2Fact,
        });
        Assert.Equal(B2Fact, Assert.Single((await Get(nl, caseId)).VictimLinks).Grading);
        var regraded = await nl.RegradeDataAsync(new RegradeDataRequest { CommandId = NewId(), CaseId = caseId, VictimLinkId = linked.VictimLinkId, Grading = A1Fact, Reason = "victim's statement" });
        Assert.Equal(linked.Version + 1, regraded.Version);
        Assert.Equal(A1Fact, Assert.Single((await Get(nl, caseId)).VictimLinks).Grading);
        // As it stood before the regrade.
        var before = await hub.Audit("EU-AUDIT").GetCaseAsOfAsync(new GetCaseAsOfRequest { CaseId = caseId, Version = linked.Version, Justification = Why });
        Assert.Equal(B2Fact, Assert.Single(before.VictimLinks).Grading);
    }

    [Fact]
    public async Task Another_units_regrade_is_not_found_like_a_missing_case_and_bad_grading_names_its_field()
    {
        var email = Unique.Email();
        var red = await nl.OpenedCase(Tlp.Red);
        var green = await nl.OpenedCase(Tlp.Green);
        var key = (await nl.AddSuspectIdentifierAsync(Add(green, email))).Identifier.Key;
        await nl.AddSuspectIdentifierAsync(Add(red, email));
        var since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-1));

        RegradeDataRequest Regrade(string caseId, Grading grading) => new() { CommandId = NewId(), CaseId = caseId, IdentifierKey = key, Grading = grading, Reason = "r" };
        // Another unit may not see the owner's case to write to it (only a handoff's target reads it, and may not write):
        // it is not found, whether the case shares identifiers or not, answered as a case that does not exist.
        var other = await Failure(() => be.RegradeDataAsync(Regrade(green, A1Fact)).ResponseAsync);
        var hidden = await Failure(() => be.RegradeDataAsync(Regrade(red, A1Fact)).ResponseAsync);
        var nobody = NewId();
        var missing = await Failure(() => be.RegradeDataAsync(Regrade(nobody, A1Fact)).ResponseAsync);
        // A case the caller may not see answers as one that does not exist.
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound, StatusCode.NotFound), (other.Code, hidden.Code, missing.Code));
        Assert.Equal(missing.Status.Message.Replace(nobody, "ID"), hidden.Status.Message.Replace(red, "ID"));
        Assert.Equal(missing.Status.Message.Replace(nobody, "ID"), other.Status.Message.Replace(green, "ID"));
        var bad = await Failure(() => nl.RegradeDataAsync(Regrade(green, new Grading { InformationCredibility = (InformationCredibility)7 })).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "grading.information_credibility"), (bad.Code, bad.Field));

        var refusals = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = "BE-FCCU", CaseId = green, From = since });
        Assert.Contains(refusals, r => r.Operation == "RegradeData" && r.Outcome != AccessOutcome.Allowed);
    }

    [Fact]
    public async Task Sync_regrades_too()
    {
        var caseId = await nl.OpenedCase();
        var key = (await nl.AddSuspectIdentifierAsync(Add(caseId, Unique.Email()))).Identifier.Key;
        using var sync = nl.Sync();
        await sync.RequestStream.WriteAsync(new SyncCommand { RegradeData = new RegradeDataRequest { CommandId = NewId(), CaseId = caseId, IdentifierKey = key, Grading = B2Fact, Reason = "bulk" } });
        await sync.RequestStream.CompleteAsync();
        var result = Assert.Single(await sync.ResponseStream.ReadAllAsync().ToListAsync());
        Assert.NotNull(result.Result);
        Assert.Equal(B2Fact, Assert.Single((await Get(nl, caseId)).Identifiers).Grading);
    }
}
