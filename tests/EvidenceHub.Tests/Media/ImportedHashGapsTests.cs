using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// What an imported hash (a row of an ImportMedia batch) does like a held identifier, over real gRPC and PostgreSQL:
/// restricted on its own and lifted again.
public sealed class ImportedHashGapsTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly Justification Why = new() { Purpose = "Hash list from a seized server", CaseReference = "NL-2026-0042" };
    private const string Basis = "LED Art. 16(3)(a): accuracy contested";
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static MediaRow Row() => new() { Sha256 = Hex(32), Md5 = Hex(16), Category = 1, ProviderFilter = true };

    private static Task<List<MediaBatchResult>> Import(CaseService.CaseServiceClient cases, string caseId, params MediaRow[] rows) => cases.Imported(caseId, rows);

    private Task<LookupAnswer> Lookup(string unit, string sha256) => hub.Lookups(unit).LookupAsync(new LookupRequest
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = sha256 } },
    }).ResponseAsync;

    private async Task<List<bool>> Known(params HashQuestion[] questions)
    {
        var provider = new HashCheckService.HashCheckServiceClient(hub.Channel(hub.CertificateOf(HashCheckTests.Provider)));
        return [.. (await provider.CheckHashesAsync(new CheckHashesRequest { Questions = { questions } })).Answers.Select(a => a.Known)];
    }

    private static RestrictDataRequest Restrict(string caseId, string key, string? commandId = null) =>
        new() { CommandId = commandId ?? NewId(), CaseId = caseId, IdentifierKey = key, Reason = "accuracy contested", LegalBasis = Basis };

    private static LiftRestrictionRequest Lift(string caseId, string key) =>
        new() { CommandId = NewId(), CaseId = caseId, IdentifierKey = key, Reason = "accuracy confirmed" };

    private Task<CommandResult> AddHash(CaseService.CaseServiceClient unit, string caseId, string sha256) =>
        unit.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.FileHashSha256, sha256)).ResponseAsync;

    [Fact]
    public async Task An_imported_hash_restricted_on_its_own_is_held_like_a_restricted_identifier_until_the_restriction_is_lifted()
    {
        var row = Row();
        var key = "sha256:" + row.Sha256;
        var nlCase = await nl.OpenedCase(Tlp.Green);
        Assert.Single(await Import(nl, nlCase, row));
        var beCase = await be.OpenedCase(Tlp.Green);
        Assert.Equal(1, (await AddHash(be, beCase, row.Sha256)).Correlations);
        Assert.True((await Lookup("US-HSI-C3", row.Sha256)).Hit);
        Assert.Equal([true, true], await Known(new HashQuestion { Sha256 = row.Sha256 }, new HashQuestion { Md5 = row.Md5 }));
        var beStart = await hub.Feed("BE-FCCU").LastPosition();

        var commandId = NewId();
        var restricted = await nl.RestrictDataAsync(Restrict(nlCase, key, commandId));
        var retried = await nl.RestrictDataAsync(Restrict(nlCase, key, commandId));
        var again = await nl.RestrictDataAsync(Restrict(nlCase, key));

        // Asked again: the same answer (replayed), and restricting what is restricted appends nothing.
        Assert.Equal((true, restricted.Version), (retried.Replayed, retried.Version));
        Assert.Equal((false, restricted.Version), (again.Replayed, again.Version));
        // A partner's lookup and the provider's hash check: a value nobody holds (BE's own holding aside); the row's
        // other hash is not restricted.
        var stranger = await Lookup("US-HSI-C3", row.Sha256);
        Assert.Equal(["BE-FCCU"], stranger.Disclosures.Select(d => d.OwnerUnit));
        Assert.Equal([false, true], await Known(new HashQuestion { Sha256 = row.Sha256 }, new HashQuestion { Md5 = row.Md5 }));
        // BE, told of the correlation on it, is told of the restriction once.
        var notice = Assert.Single(await hub.FeedAfter("BE-FCCU", beStart), i => i.Restriction is not null).Restriction;
        Assert.Equal(("NL-TBKK", false, key, beCase), (notice.OwnerUnit, notice.Lifted, notice.IdentifierKeys.Single(), notice.YourCaseIds.Single()));
        // The owner still sees it, marked; the target of a handoff request sees the case without it.
        Assert.Contains((await Lookup("NL-TBKK", row.Sha256)).Disclosures, d => d.OwnerUnit == "NL-TBKK");
        var owners = await nl.GetCaseAsync(new GetCaseRequest { CaseId = nlCase, Justification = Why });
        Assert.True(owners.Identifiers.Single(i => i.Key == key).Restricted);
        await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = nlCase, TargetUnit = "BE-FCCU", Reason = "BE leads" });
        var bes = await be.GetCaseAsync(new GetCaseRequest { CaseId = nlCase, Justification = Why });
        Assert.Equal(["md5:" + row.Md5], bes.Identifiers.Select(i => i.Key));

        // The restriction is the case's, of the key: a later batch bringing the same hash in another record of the case,
        // or a restricted holding's hash imported later, stays restricted.
        Assert.Single(await Import(nl, nlCase, new MediaRow { Sha256 = row.Sha256, Md5 = Hex(16), Category = 1, ProviderFilter = true }));
        Assert.Equal(["BE-FCCU"], (await Lookup("US-HSI-C3", row.Sha256)).Disclosures.Select(d => d.OwnerUnit));
        Assert.Equal([false], await Known(new HashQuestion { Sha256 = row.Sha256 }));
        var held = Row();
        var heldCase = await nl.OpenedCase(Tlp.Green);
        await AddHash(nl, heldCase, held.Sha256);
        await nl.RestrictDataAsync(Restrict(heldCase, "sha256:" + held.Sha256));
        Assert.Single(await Import(nl, heldCase, held));
        Assert.False((await Lookup("US-HSI-C3", held.Sha256)).Hit);
        Assert.Equal([false, true], await Known(new HashQuestion { Sha256 = held.Sha256 }, new HashQuestion { Md5 = held.Md5 }));

        // A later single add correlates with it as with a restricted holding: with nothing.
        var caStart = await hub.Feed("CA-RCMP-NCECC").LastPosition();
        var caCase = await ca.OpenedCase(Tlp.Green);
        var onImported = await AddHash(ca, caCase, row.Sha256);
        var onHeld = await AddHash(ca, caCase, held.Sha256);
        Assert.Equal((1, 0), (onImported.Correlations, onHeld.Correlations)); // the 1: BE's own holding
        Assert.DoesNotContain(await hub.FeedAfter("CA-RCMP-NCECC", caStart), i => i.Correlation?.OtherCase?.OwnerUnit == "NL-TBKK");

        // Lifted: it matches again, the correlation missed meanwhile is found now, and lifting twice appends nothing.
        var lifted = await nl.LiftRestrictionAsync(Lift(nlCase, key));
        var liftedAgain = await nl.LiftRestrictionAsync(Lift(nlCase, key));
        Assert.Equal(lifted.Version, liftedAgain.Version);
        Assert.Equal(["BE-FCCU", "CA-RCMP-NCECC", "NL-TBKK"], (await Lookup("US-HSI-C3", row.Sha256)).Disclosures.Select(d => d.OwnerUnit).Order());
        Assert.Equal([true, true], await Known(new HashQuestion { Sha256 = row.Sha256 }, new HashQuestion { Md5 = row.Md5 }));
        var toCa = (await hub.FeedAfter("CA-RCMP-NCECC", caStart)).Where(i => i.Correlation?.OtherCase?.OwnerUnit == "NL-TBKK").Select(i => i.Correlation).ToList();
        Assert.Equal([(key, caCase)], toCa.Select(c => (c.IdentifierKey, c.YourCaseId)));
        // Both of the case's records that hold it show it unrestricted again.
        Assert.Equal([false, false], (await nl.GetCaseAsync(new GetCaseRequest { CaseId = nlCase, Justification = Why })).Identifiers.Where(i => i.Key == key).Select(i => i.Restricted));
    }

    [Fact]
    public async Task A_batch_larger_than_a_page_is_read_page_by_page_every_hash_once_and_in_order()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var (before, after) = (Hex(32), Hex(32));
        await AddHash(nl, caseId, before);
        var rows = Enumerable.Range(0, 7).Select(_ => Row()).ToArray();
        Assert.Single(await Import(nl, caseId, rows));
        await AddHash(nl, caseId, after);
        string[] expected = ["sha256:" + before, .. rows.SelectMany(r => new[] { "sha256:" + r.Sha256, "md5:" + r.Md5 }), "sha256:" + after];

        var keys = new List<string>();
        var tokens = new List<string>();
        var token = "";
        do
        {
            var page = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why, PageSize = 4, PageToken = token });
            Assert.InRange(page.Identifiers.Count, 1, 4);
            keys.AddRange(page.Identifiers.Select(i => i.Key));
            token = page.NextPageToken;
            tokens.Add(token);
        } while (token.Length > 0);

        Assert.Equal(expected, keys);
        // A token the hub did not give out, or of another case, names page_token; a unit that may not see the case is
        // answered with a good token exactly as for a case that does not exist.
        var malformed = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why, PageToken = tokens[0] + "x" }).ResponseAsync);
        var another = await nl.OpenedCase();
        var otherCase = await Failure(() => nl.GetCaseAsync(new GetCaseRequest { CaseId = another, Justification = Why, PageToken = tokens[0] }).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "page_token"), (malformed.Code, malformed.Field));
        Assert.Equal((StatusCode.InvalidArgument, "page_token"), (otherCase.Code, otherCase.Field));
        var hidden = await Failure(() => be.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = Why, PageToken = tokens[0] }).ResponseAsync);
        var missingId = Guid.NewGuid();
        var forged = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{missingId:N}.3.1.1.0")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var missing = await Failure(() => be.GetCaseAsync(new GetCaseRequest { CaseId = missingId.ToString(), Justification = Why, PageToken = forged }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, missing.Field), (hidden.Code, hidden.Field));
    }
}
