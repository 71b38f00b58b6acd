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
[Collection(FeedHub.Name)]
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
    public async Task Hidden_holders_never_make_a_value_common_to_a_unit_in_its_write_results_or_lookups()
    {
        // The attack: a unit puts a value in enough cases of its own that one more holder would make it common, then
        // reads the common flag. A value hidden cases hold must answer like a value only the unit holds.
        var (hidden, control) = (Unique.Email(), Unique.Email());
        for (var i = 0; i < HubFixture.CommonThreshold + 1; i++) await CaseWith(be, Tlp.Red, [], hidden);
        var lookups = hub.Lookups("NL-TBKK");

        var flags = new Dictionary<string, List<bool>> { [hidden] = [], [control] = [] };
        var lookedUp = new Dictionary<string, LookupAnswer>();
        foreach (var email in new[] { hidden, control })
            for (var i = 0; i < HubFixture.CommonThreshold + 1; i++)
            {
                // Correlations are not compared: the value made common by hidden holders correlates no more (the
                // hub's noise control), and that one residual channel is named in the README.
                flags[email].Add((await nl.AddSuspectIdentifierAsync(AddIdentifier(await nl.OpenedCase(Tlp.Green), IdentifierKind.EmailAddress, email))).Common);
                if (i == HubFixture.CommonThreshold - 2)
                    lookedUp[email] = await lookups.LookupAsync(new LookupRequest { Identifier = Email(email), Justification = Why });
            }

        // Common once the unit's own other cases reach the threshold, and not before.
        Assert.Equal([.. Enumerable.Repeat(false, HubFixture.CommonThreshold), true], flags[control]);
        Assert.Equal(flags[control], flags[hidden]);
        Assert.Equal((true, false), (lookedUp[control].Hit, lookedUp[control].Common));
        Assert.Equal((lookedUp[control].Hit, lookedUp[control].Common, lookedUp[control].Disclosures.Count),
            (lookedUp[hidden].Hit, lookedUp[hidden].Common, lookedUp[hidden].Disclosures.Count));
    }

    [Fact]
    public async Task A_network_walks_an_identifier_that_only_hidden_holders_would_make_common()
    {
        var (start, shared, onward) = (Unique.Email(), Unique.Email(), Unique.Email());
        var first = await CaseWith(nl, Tlp.Green, [], start, shared);
        var second = await CaseWith(nl, Tlp.Green, [], shared, onward);
        for (var i = 0; i < HubFixture.CommonThreshold; i++) await CaseWith(be, Tlp.Red, [], shared);

        var network = await hub.Lookups("NL-TBKK").GetNetworkAsync(new GetNetworkRequest { Identifier = Email(start), Justification = Why });

        // The walk goes on through the shared value exactly as if the hidden cases did not exist.
        Assert.Equal(new[] { first.Reference, second.Reference }.Order(), network.Cases.Select(c => c.CaseReference).Order());
        // The caller's own cases hold all three: named by value (another unit's would be named by pseudonym).
        Assert.Equal(new[] { "email:" + start, "email:" + shared, "email:" + onward }.Order(StringComparer.Ordinal), network.Identifiers.Select(i => i.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, network.Identifiers.Single(i => i.Key == "email:" + shared).CaseCount);
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

        var toBe = (await hub.FeedAfter("BE-FCCU", beStart))
            .Where(i => i.Correlation?.YourCaseId == beCase).Select(i => i.Correlation.OtherCase).ToList();
        Assert.Equal(new[] { amber.Reference, strict.Reference }.Order(), toBe.Where(d => d.OwnerUnit == "NL-TBKK").Select(d => d.CaseReference).Order());
        Assert.All(toBe, d => Assert.Equal(0, d.VictimCount));
        await hub.ProjectionsCaughtUp();
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
        // The caller's own case holds it: named by its value, on the other case too.
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

    [Fact]
    public async Task Reading_a_hidden_case_does_the_work_of_reading_a_case_that_does_not_exist()
    {
        var red = await CaseWith(be, Tlp.Red, [], Unique.Email(), Unique.Email(), Unique.Email());
        var cases = hub.Cases("NL-TBKK");
        async Task<StatusCode> Read(string caseId, Metadata headers)
        {
            try { await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "timing probe" } }, headers); return StatusCode.OK; }
            catch (RpcException e) { return e.StatusCode; }
        }

        var (hiddenAnswer, hiddenStatements) = await Traced(headers => Read(red.CaseId, headers));
        var (missingAnswer, missingStatements) = await Traced(headers => Read(Guid.NewGuid().ToString(), headers));

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (hiddenAnswer, missingAnswer));
        Assert.NotEmpty(missingStatements);
        Assert.Equal(missingStatements, hiddenStatements);
        // Visibility is decided before the case's identifiers are read: a refused read never touches them.
        var holdings = hub.Factory.Services.GetRequiredService<IDocumentStore>().Options.FindOrResolveDocumentType(typeof(Hub.Identifiers.IdentifierHolding)).TableName.Name;
        Assert.DoesNotContain(hiddenStatements, s => s.Contains(holdings, StringComparison.OrdinalIgnoreCase));
        var (_, ownStatements) = await Traced(headers => hub.Cases("BE-FCCU").GetCaseAsync(new GetCaseRequest { CaseId = red.CaseId, Justification = new() { Purpose = "own case" } }, headers).ResponseAsync);
        Assert.Contains(ownStatements, s => s.Contains(holdings, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_blind_token_held_only_by_hidden_cases_does_the_work_of_a_token_nobody_holds()
    {
        var hidden = Unique.Email();
        await CaseWith(be, Tlp.Red, [], hidden);
        var heldToken = HmacToken("email:" + hidden);
        await hub.ProjectionsCaughtUp();
        await using (var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession())
            Assert.NotNull(await session.LoadAsync<Hub.Lookup.BlindToken>(heldToken));
        var lookups = hub.Lookups("NL-TBKK");
        LookupRequest ByToken(string token) => new() { Identifier = new IdentifierQuery { BlindToken = token }, Justification = Why };

        var unknownToken = HmacToken("email:" + Unique.Email());
        var (heldAnswer, heldStatements) = await Traced(headers => lookups.LookupAsync(ByToken(heldToken), headers).ResponseAsync);
        var (unknownAnswer, unknownStatements) = await Traced(headers => lookups.LookupAsync(ByToken(unknownToken), headers).ResponseAsync);

        Assert.Equal(unknownAnswer, heldAnswer);
        Assert.False(heldAnswer.Hit);
        Assert.NotEmpty(unknownStatements);
        Assert.Equal(unknownStatements, heldStatements);
        // Inside the one statement too: the identifier holdings are probed as often for either token (the unknown one
        // with a key no holding has), so a hidden holder is filtered where it is read, not revealed by a skipped probe.
        var lookup = heldStatements.Single(s => s.Contains("'Token', w.token", StringComparison.Ordinal));
        Assert.Equal(await HoldingProbes(lookup, unknownToken), await HoldingProbes(lookup, heldToken));
    }

    /// How many times the lookup statement reads the identifier holdings for a lone blind token asked by NL-TBKK: the
    /// loops of every plan node on that table, from PostgreSQL's own EXPLAIN ANALYZE of the statement the hub ran.
    private async Task<long> HoldingProbes(string lookupStatement, string token)
    {
        var holdings = hub.Factory.Services.GetRequiredService<IDocumentStore>().Options.FindOrResolveDocumentType(typeof(Hub.Identifiers.IdentifierHolding)).TableName.Name;
        await using var connection = new Npgsql.NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + lookupStatement, connection)
        {
            Parameters = { new() { Value = "NL-TBKK" }, new() { Value = false }, new() { Value = DateTimeOffset.UtcNow }, new() { Value = Array.Empty<string>() }, new() { Value = new[] { token } } },
        };
        var plan = System.Text.Json.JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
        long Loops(System.Text.Json.JsonElement node) =>
            (node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == holdings ? node.GetProperty("Actual Loops").GetInt64() : 0) +
            (node.TryGetProperty("Plans", out var children) ? children.EnumerateArray().Sum(Loops) : 0);
        return Loops(plan.RootElement[0].GetProperty("Plan"));
    }

    private static string HmacToken(string identifierKey) =>
        $"k2.{Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(HubFixture.BlindingKeyK2, System.Text.Encoding.UTF8.GetBytes(identifierKey))).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";

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
        foreach (var coLeads in new[] { Array.Empty<string>(), ["CA-RCMP-NCECC"], ["BE-FCCU", "CA-RCMP-NCECC"] })
        foreach (var invitations in new[] { Array.Empty<PendingInvitation>(), [new("CA-RCMP-NCECC", now.AddHours(1))], [new("CA-RCMP-NCECC", now.AddHours(-1)), new("BE-FCCU", now.AddHours(1))] })
        foreach (var recipient in new[] { new Recipient("NL-TBKK"), new Recipient("BE-FCCU"), new Recipient("CA-RCMP-NCECC"), new Recipient("EU-AUDIT", Auditor: true) })
        foreach (var caseRestricted in new[] { false, true })
        foreach (var holding in new Hub.Identifiers.IdentifierHolding?[] { null, new() { Key = "email:a@b.nl" }, new() { Key = "email:a@b.nl", Restricted = true } })
        {
            var summary = new CaseSummary
            {
                Id = Guid.NewGuid(), OwnerUnit = "NL-TBKK", OwnerCountry = "NL", Reference = "R",
                SharingPolicy = new Hub.Cases.SharingPolicy(tlp, Hub.Cases.HandlingCode.H0, null, partners), OpenHandoff = handoff, Restricted = caseRestricted,
                CoLeadUnits = [.. coLeads], OpenInvitations = [.. invitations],
            };
            var json = store.Options.Serializer().ToJson(summary);
            var holdingJson = holding is null ? "{}" : store.Options.Serializer().ToJson(holding);
            var inQuery = (await session.QueryAsync<bool>(
                $"SELECT {DisclosureSql.Discloses("s.data", "r", holding is null ? null : "h.data")} FROM (SELECT CAST(? AS jsonb) AS data) AS s, (SELECT CAST(? AS jsonb) AS data) AS h, {DisclosureSql.RecipientRelation} AS r",
                [json, holdingJson, .. DisclosureSql.Parameters(recipient, now)])).Single();
            Assert.True(inQuery == (CaseDisclosure.Of(summary, recipient, now, holding) != DisclosureLevel.None),
                $"{tlp} [{string.Join(",", partners)}] {handoff} co-leads [{string.Join(",", coLeads)}] invited [{string.Join(",", invitations.AsEnumerable())}] {recipient} restricted case {caseRestricted}, holding {holding?.Restricted}");
            checkedCases++;
        }
        Assert.Equal(5 * 3 * 3 * 3 * 3 * 4 * 2 * 3, checkedCases);
    }
}
