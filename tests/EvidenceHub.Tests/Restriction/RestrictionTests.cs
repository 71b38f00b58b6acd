using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Restriction;

/// Restriction end to end (LED Art. 16(3)): over gRPC, with the real index, feed, access log and replay.
[Collection(FeedHub.Name)]
public sealed class RestrictionTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private static readonly Justification Why = new() { Purpose = "restriction tests" };
    private const string Basis = "LED Art. 16(3)(a): accuracy contested";

    private static IdentifierQuery Email(string email) => new() { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } };

    private async Task<string> CaseWith(CaseService.CaseServiceClient unit, params string[] emails)
    {
        var caseId = await unit.OpenedCase(Tlp.Green);
        foreach (var email in emails) await unit.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, email));
        return caseId;
    }

    private Task<LookupAnswer> Lookup(string unit, string email) =>
        hub.Lookups(unit).LookupAsync(new LookupRequest { Identifier = Email(email), Justification = Why }).ResponseAsync;

    private Task<Case> Get(CaseService.CaseServiceClient unit, string caseId) =>
        unit.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why }).ResponseAsync;

    [Fact]
    public async Task A_restricted_case_is_to_other_units_a_case_that_does_not_exist_and_lifting_it_finds_what_was_missed()
    {
        var (shared, later) = (Unique.Email(), Unique.Email());
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        var beCase = await CaseWith(be, shared, later);
        var nlCase = await CaseWith(nl, shared); // correlated with BE's case: NL is told of it
        Assert.True((await Lookup("US-HSI-C3", shared)).Hit);

        await be.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = beCase, WholeCase = true, Reason = "accuracy contested", LegalBasis = Basis });

        // Lookups: held by NL only now; the value only BE's case holds answers like a value nobody holds.
        var onlyBe = await Lookup("US-HSI-C3", later);
        Assert.Equal(await Lookup("US-HSI-C3", Unique.Email()), onlyBe);
        Assert.Equal(["NL-TBKK"], (await Lookup("CA-RCMP-NCECC", shared)).Disclosures.Select(d => d.OwnerUnit));
        // GetCase by another unit: exactly the answer for a case that does not exist.
        var hidden = await Failure(() => Get(nl, beCase));
        var missing = await Failure(() => Get(nl, Guid.NewGuid().ToString()));
        Assert.Equal((StatusCode.NotFound, missing.Field), (hidden.Code, hidden.Field));
        // Networks and write results: BE's case is neither shown nor correlated with.
        var network = await hub.Lookups("CA-RCMP-NCECC").GetNetworkAsync(new GetNetworkRequest { Identifier = Email(shared), Justification = Why });
        Assert.DoesNotContain(network.Cases, c => c.OwnerUnit == "BE-FCCU");
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var caCase = await ca.OpenedCase(Tlp.Green);
        Assert.Equal(0, (await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase, IdentifierKind.EmailAddress, later))).Correlations);
        // A restricted case takes no changes.
        Assert.Equal(StatusCode.FailedPrecondition, (await Failure(() => be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, Unique.Email())).ResponseAsync)).Code);

        // The owner and auditors still see it, marked.
        Assert.True((await Get(be, beCase)).Restricted);
        Assert.True((await Get(hub.Cases("EU-AUDIT"), beCase)).Restricted);
        Assert.True((await Lookup("BE-FCCU", later)).Hit);

        // NL, told of the case through the correlation, gets one notice; it says what NL already knew.
        var notices = (await hub.FeedAfter("NL-TBKK", nlStart)).Where(i => i.Restriction is not null).Select(i => i.Restriction).ToList();
        var notice = Assert.Single(notices);
        Assert.Equal(("BE-FCCU", true, false), (notice.OwnerUnit, notice.WholeCase, notice.Lifted));
        Assert.Equal(["email:" + shared], notice.IdentifierKeys);
        Assert.Equal([nlCase], notice.YourCaseIds);

        // The access log records NL's refused read, naming the case; the history shows the restriction, who and why.
        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { CaseId = beCase, Unit = "NL-TBKK" });
        Assert.Contains(records, r => r.Operation == "GetCase" && r.Outcome == AccessOutcome.Refused);
        var history = await hub.Audit("EU-AUDIT").Replay(beCase);
        var restricted = Assert.Single(history, e => e.EventType == "data_restricted");
        Assert.Equal("BE-FCCU", restricted.Unit);
        Assert.Contains(Basis, restricted.DataJson);
        Assert.Equal(StatusCode.NotFound, (await Failure(() => hub.Audit("NL-TBKK").Replay(beCase))).Code);

        // Lifting: BE's case matches again, and CA's correlation missed meanwhile is found now, once.
        var lift = new LiftRestrictionRequest { CommandId = NewId(), CaseId = beCase, WholeCase = true, Reason = "accuracy confirmed" };
        Assert.Equal(1, (await be.LiftRestrictionAsync(lift)).Correlations);
        Assert.True((await be.LiftRestrictionAsync(lift)).Replayed);
        var repeated = lift.Clone();
        repeated.CommandId = NewId();
        Assert.Equal((0, false), ((await be.LiftRestrictionAsync(repeated)).Correlations, false));
        Assert.True((await Lookup("US-HSI-C3", later)).Hit);
        Assert.Equal(beCase, (await Get(hub.Cases("EU-AUDIT"), beCase)).CaseId);
        var toCa = (await hub.FeedAfter("CA-RCMP-NCECC", caStart)).Where(i => i.Correlation?.YourCaseId == caCase).ToList();
        Assert.Equal(["BE-FCCU"], toCa.Select(i => i.Correlation.OtherCase.OwnerUnit));
        // NL was correlated before: it learns that the restriction ended, and is not told of the correlation again.
        var toNl = (await hub.FeedAfter("NL-TBKK", nlStart)).Where(i => i.Restriction is not null || i.Correlation?.YourCaseId == nlCase).ToList();
        Assert.Equal([false, true], toNl.Where(i => i.Restriction is not null).Select(i => i.Restriction.Lifted));
        Assert.Single(toNl, i => i.Correlation is not null);
    }

    [Fact]
    public async Task A_restricted_identifier_is_no_hit_for_anyone_but_the_owner_and_lifting_it_correlates_once()
    {
        var (restricted, kept) = (Unique.Email(), Unique.Email());
        var beCase = await CaseWith(be, restricted, kept);
        await be.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = beCase, IdentifierKey = "email:" + restricted, Reason = "contested", LegalBasis = Basis });

        Assert.False((await Lookup("NL-TBKK", restricted)).Hit);
        Assert.True((await Lookup("NL-TBKK", kept)).Hit);
        Assert.True((await Lookup("BE-FCCU", restricted)).Hit);
        var nlStart = await hub.Feed("NL-TBKK").LastPosition();
        var nlCase = await nl.OpenedCase(Tlp.Green);
        Assert.Equal(0, (await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase, IdentifierKind.EmailAddress, restricted))).Correlations);
        var own = await Get(be, beCase);
        Assert.Equal([true, false], own.Identifiers.Select(i => i.Restricted));
        Assert.False(own.Restricted);

        var lift = new LiftRestrictionRequest { CommandId = NewId(), CaseId = beCase, IdentifierKey = "email:" + restricted, Reason = "confirmed" };
        Assert.Equal(1, (await be.LiftRestrictionAsync(lift)).Correlations);
        Assert.True((await Lookup("NL-TBKK", restricted)).Hit);
        var correlations = (await hub.FeedAfter("NL-TBKK", nlStart)).Where(i => i.Correlation?.YourCaseId == nlCase).ToList();
        Assert.Equal(["email:" + restricted], correlations.Select(i => i.Correlation.IdentifierKey));
        Assert.False((await Get(be, beCase)).Identifiers[0].Restricted);

        // Refusals: another unit finds no such case; bad input names its field.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => nl.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = beCase, WholeCase = true, Reason = "x", LegalBasis = Basis }).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "scope"), (await Failure(() => be.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = beCase, Reason = "x", LegalBasis = Basis }).ResponseAsync)) is var (code, field, _) ? (code, field) : default);
        Assert.Equal((StatusCode.NotFound, "identifier_key"), (await Failure(() => be.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = beCase, IdentifierKey = "email:none@example.com", Reason = "x", LegalBasis = Basis }).ResponseAsync)) is var (c2, f2, _) ? (c2, f2) : default);
    }

    [Fact]
    public async Task A_restricted_victim_link_is_counted_nowhere_and_shown_to_the_owner_marked()
    {
        var email = Unique.Email();
        var beCase = await CaseWith(be, email);
        var link = await be.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = beCase, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "FR" });
        Assert.Equal(1, (await Lookup("NL-TBKK", email)).Disclosures.Single().VictimCount);

        await be.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = beCase, VictimLinkId = link.VictimLinkId, Reason = "contested", LegalBasis = Basis });

        var disclosure = (await Lookup("NL-TBKK", email)).Disclosures.Single();
        Assert.Equal((0, 0), (disclosure.VictimCount, disclosure.VictimCountries.Count));
        var network = await hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { Identifier = Email(email), Justification = Why });
        Assert.Empty(network.VictimsByCountry);
        Assert.True((await Get(be, beCase)).VictimLinks.Single().Restricted);

        await be.LiftRestrictionAsync(new LiftRestrictionRequest { CommandId = NewId(), CaseId = beCase, VictimLinkId = link.VictimLinkId, Reason = "confirmed" });
        Assert.Equal(["FR"], (await Lookup("NL-TBKK", email)).Disclosures.Single().VictimCountries);
    }

    [Fact]
    public async Task The_hub_restricts_a_case_by_its_own_command_and_a_repeat_appends_nothing()
    {
        var email = Unique.Email();
        var beCase = await CaseWith(be, email);
        var engine = hub.Factory.Services.GetRequiredService<CommandEngine>();
        var self = new Caller("EVIDENCEHUB", "", [Roles.Auditor], "review", "");
        var command = Hub.Restriction.RestrictData.ByHubOn(Guid.Parse(beCase), "review-overdue:" + beCase, "review date passed", "LED Art. 5", self);

        await engine.Execute(self, command, "timed-work", CancellationToken.None);
        var again = (CommandResult)await engine.Execute(self, command, "timed-work", CancellationToken.None);

        Assert.True(again.Replayed);
        Assert.False((await Lookup("NL-TBKK", email)).Hit);
        Assert.True((await Get(be, beCase)).Restricted);
        Assert.Single(await hub.Audit("EU-AUDIT").Replay(beCase), e => e.EventType == "data_restricted");
    }
}
