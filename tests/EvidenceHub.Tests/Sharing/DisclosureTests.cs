using System.Collections.Concurrent;
using System.Diagnostics;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;
using HubTlp = EvidenceHub.Hub.Cases.Tlp;
using Tlp = EvidenceHub.Contracts.V1.Tlp;

namespace EvidenceHub.Tests.Sharing;

/// One set of disclosure rules at every egress: write results (issue 10 finding 2), networks (3, 4) and correlation
/// notices (4), and the SQL predicate that filters inside the queries agreeing with CaseDisclosure.Of.
[Collection(HubCollection.Name)]
public sealed class DisclosureTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private static readonly Justification Why = new() { Purpose = "disclosure tests" };

    private static async Task<OpenCaseRequest> CaseWith(CaseService.CaseServiceClient unit, Tlp tlp, string[] partners, params string[] emails)
    {
        var open = OpenCase(tlp: tlp, partners: partners);
        await unit.OpenCaseAsync(open);
        foreach (var email in emails) await unit.AddSuspectIdentifierAsync(AddIdentifier(open.CaseId, IdentifierKind.EmailAddress, email));
        return open;
    }

    private static IdentifierQuery Email(string email) => new() { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } };

    [Fact]
    public async Task Adding_a_value_held_only_by_cases_the_unit_may_not_see_answers_like_a_value_nobody_holds()
    {
        var (inRed, inAmber, nobodys) = (Unique.Email(), Unique.Email(), Unique.Email());
        await CaseWith(be, Tlp.Red, [], inRed);
        await CaseWith(be, Tlp.Amber, ["CA-RCMP-NCECC"], inAmber);
        var mine = await nl.OpenedCase(Tlp.Green);

        var answers = new List<CommandResult>();
        foreach (var email in new[] { inRed, inAmber, nobodys })
            answers.Add(await nl.AddSuspectIdentifierAsync(AddIdentifier(mine, IdentifierKind.EmailAddress, email)));

        Assert.All(answers, a => Assert.Equal((0, false), (a.Correlations, a.Common)));
        // The listed unit is told, and its answer says so.
        var listed = await ca.AddSuspectIdentifierAsync(AddIdentifier(await ca.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, inAmber));
        Assert.Equal(2, listed.Correlations);
    }

    [Fact]
    public async Task A_common_value_is_flagged_only_to_a_unit_that_sees_one_of_its_other_holders()
    {
        var email = Unique.Email();
        for (var i = 0; i < HubFixture.CommonThreshold + 1; i++) await CaseWith(be, Tlp.Red, [], email);

        var first = await nl.AddSuspectIdentifierAsync(AddIdentifier(await nl.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        Assert.Equal((0, false), (first.Correlations, first.Common));
        // Its own first case it sees: now the flag tells it that the value no longer correlates.
        var second = await nl.AddSuspectIdentifierAsync(AddIdentifier(await nl.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        Assert.Equal((0, true), (second.Correlations, second.Common));
    }

    [Fact]
    public async Task An_amber_case_is_told_in_correlation_notices_only_to_the_units_it_lists()
    {
        var email = Unique.Email();
        var (caStart, beStart) = (await hub.Feed("CA-RCMP-NCECC").LastPosition(), await hub.Feed("BE-FCCU").LastPosition());
        var amber = await CaseWith(nl, Tlp.Amber, ["BE-FCCU"], email);
        var strict = await CaseWith(nl, Tlp.AmberStrict, ["BE-FCCU"], email);

        var unlisted = await ca.AddSuspectIdentifierAsync(AddIdentifier(await ca.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email));
        var beCase = await be.OpenedCase(Tlp.Green);
        var listed = await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, email));
        Assert.Equal(0, unlisted.Correlations);
        Assert.Equal(3, listed.Correlations); // NL's two and CA's GREEN case

        var toBe = (await hub.Feed("BE-FCCU").ReadUntil(beStart, items => items.Count(i => i.Correlation?.YourCaseId == beCase) >= 3))
            .Where(i => i.Correlation?.YourCaseId == beCase).Select(i => i.Correlation.OtherCase).ToList();
        Assert.Equal(new[] { amber.Reference, strict.Reference }.Order(), toBe.Where(d => d.OwnerUnit == "NL-TBKK").Select(d => d.CaseReference).Order());
        Assert.All(toBe, d => Assert.Equal(0, d.VictimCount));
        await hub.WaitForFeedToCatchUp("CA-RCMP-NCECC");
        var toCa = await hub.Feed("CA-RCMP-NCECC").ReadAll(caStart);
        Assert.DoesNotContain(toCa, i => i.Correlation?.OtherCase.OwnerUnit == "NL-TBKK" && i.Correlation.IdentifierKey == "email:" + email);
    }

    [Fact]
    public async Task A_network_shows_an_amber_case_to_a_listed_unit_only_as_a_contact_by_the_identifiers_that_reach_it()
    {
        var (shared, beOther, beOnward, unlistedOwn) = (Unique.Email(), Unique.Email(), Unique.Email(), Unique.Email());
        var mine = await CaseWith(nl, Tlp.Green, [], shared);
        var amber = await CaseWith(be, Tlp.Amber, ["NL-TBKK", "US-HSI-C3"], shared, beOther);
        await be.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = amber.CaseId, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "FR" });
        var onward = await CaseWith(ca, Tlp.Green, [], beOther, beOnward); // reached only through the AMBER case
        var unlisted = await CaseWith(ca, Tlp.Amber, ["US-HSI-C3"], shared, unlistedOwn);

        var network = await hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { Identifier = Email(shared), Justification = Why });

        Assert.Equal(new[] { mine.Reference, amber.Reference }.Order(), network.Cases.Select(c => c.CaseReference).Order());
        var contact = network.Cases.Single(c => c.CaseReference == amber.Reference);
        Assert.Equal(("BE-FCCU", "BE"), (contact.OwnerUnit, contact.OwnerCountry));
        Assert.Equal(["email:" + shared], contact.IdentifierKeys);
        Assert.Equal(["email:" + shared], network.Identifiers.Select(i => i.Key));
        Assert.Equal(2, network.Identifiers.Single().CaseCount);
        Assert.Empty(network.VictimsByCountry);
        Assert.DoesNotContain(network.Cases, c => c.CaseReference == onward.Reference || c.CaseReference == unlisted.Reference);

        // A listed partner sees the same; a network around the AMBER case shows it alone, not walked.
        var partner = await hub.Lookups("US-HSI-C3").GetNetworkAsync(new GetNetworkRequest { CaseId = amber.CaseId, Justification = Why });
        var alone = Assert.Single(partner.Cases);
        Assert.Equal((amber.Reference, 0), (alone.CaseReference, alone.IdentifierKeys.Count));
        Assert.Empty(partner.Identifiers);
        Assert.Empty(partner.VictimsByCountry);
    }

    [Fact]
    public async Task A_network_from_a_value_held_only_by_a_hidden_case_does_the_work_of_a_value_nobody_holds()
    {
        var red = Unique.Email();
        await CaseWith(be, Tlp.Red, [], red, Unique.Email(), Unique.Email());

        var (redAnswer, redStatements) = await Traced(headers => hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { Identifier = Email(red), Justification = Why }, headers).ResponseAsync);
        var (noneAnswer, noneStatements) = await Traced(headers => hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { Identifier = Email(Unique.Email()), Justification = Why }, headers).ResponseAsync);

        Assert.Equal(noneAnswer, redAnswer);
        // The same statements, in the same order: the hidden case is filtered inside the query, never loaded.
        Assert.NotEmpty(noneStatements);
        Assert.Equal(noneStatements, redStatements);
    }

    /// The SQL statements the hub ran for one call, told apart from the daemon's by the trace id the call sends.
    private static async Task<(T Answer, List<string> Statements)> Traced<T>(Func<Metadata, Task<T>> call)
    {
        var statements = new ConcurrentQueue<(DateTime Start, string Text)>();
        var trace = ActivityTraceId.CreateRandom();
        var headers = new Metadata { { "traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01" } };
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == trace) statements.Enqueue((a.StartTimeUtc, (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement") ?? a.DisplayName)?.ToString() ?? ""));
            },
        };
        ActivitySource.AddActivityListener(listener);
        var answer = await call(headers);
        return (answer, statements.OrderBy(s => s.Start).Select(s => s.Text).ToList());
    }

    [Fact]
    public async Task The_disclosure_predicate_in_the_queries_agrees_with_the_rule_on_every_combination()
    {
        var store = hub.Factory.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var now = DateTimeOffset.UtcNow;
        var checkedCases = 0;
        foreach (var tlp in Enum.GetValues<HubTlp>())
        foreach (var partners in new[] { Array.Empty<string>(), ["BE-FCCU"], ["CA-RCMP-NCECC", "BE-FCCU"] })
        foreach (var handoff in new PendingHandoff?[] { null, new(Guid.NewGuid(), "BE-FCCU", now.AddHours(1)), new(Guid.NewGuid(), "BE-FCCU", now.AddHours(-1)) })
        foreach (var recipient in new[] { new Recipient("NL-TBKK"), new Recipient("BE-FCCU"), new Recipient("CA-RCMP-NCECC"), new Recipient("EU-AUDIT", Auditor: true) })
        {
            var summary = new CaseSummary
            {
                Id = Guid.NewGuid(), OwnerUnit = "NL-TBKK", OwnerCountry = "NL", Reference = "R",
                SharingPolicy = new Hub.Cases.SharingPolicy(tlp, Hub.Cases.HandlingCode.H0, null, partners), OpenHandoff = handoff,
            };
            var json = store.Options.Serializer().ToJson(summary);
            var inQuery = (await session.QueryAsync<bool>(
                $"SELECT {DisclosureSql.Discloses("s.data", "r")} FROM (SELECT CAST(? AS jsonb) AS data) AS s, {DisclosureSql.RecipientRelation} AS r",
                [json, .. DisclosureSql.Parameters(recipient, now)])).Single();
            Assert.True(inQuery == (CaseDisclosure.Of(summary, recipient, now) != DisclosureLevel.None), $"{tlp} [{string.Join(",", partners)}] {handoff} {recipient}");
            checkedCases++;
        }
        Assert.Equal(5 * 3 * 3 * 4, checkedCases);
    }
}
