using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Sharing;

/// ChangeSharingPolicy end to end: who is told of a narrowing (the unit told of a correlation, the partner whose
/// lookup disclosed the case) and who is not (a unit that never learned anything, a partner whose lookups found
/// nothing), the correlation told once after a widening, the access record naming the recipients, and ReplayCase.
[Collection(FeedHub.Name)]
public sealed class SharingPolicyChangeTests(HubFixture hub)
{
    private const string Partner = "US-HSI-C3";
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly CaseService.CaseServiceClient ca = hub.Cases("CA-RCMP-NCECC");
    private static readonly Justification Why = new() { Purpose = "sextortion investigation" };

    private static ChangeSharingPolicyRequest Change(string caseId, Tlp tlp, string reason, params string[] partners) => new()
    {
        CommandId = NewId(), CaseId = caseId, Reason = reason,
        SharingPolicy = new SharingPolicy { Tlp = tlp, HandlingCode = HandlingCode.H0, PartnerUnits = { partners } },
    };

    private async Task<Dictionary<string, long>> Positions(params string[] units)
    {
        await hub.ProjectionsCaughtUp();
        var positions = new Dictionary<string, long>();
        foreach (var unit in units) positions[unit] = await hub.Feed(unit).LastPosition();
        return positions;
    }

    [Fact]
    public async Task Narrowing_tells_exactly_the_unit_and_the_partner_that_learned_of_the_case()
    {
        var email = Unique.Email();
        var nlCase = await nl.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        var key = (await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase.CaseId, IdentifierKind.EmailAddress, email))).Identifier.Key;
        var beCase = await be.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        Assert.Equal(1, (await be.AddSuspectIdentifierAsync(AddIdentifier(beCase.CaseId, IdentifierKind.EmailAddress, email))).Correlations);
        // The partner's lookup discloses the NL case; CA's lookup of another value finds nothing; CA learned nothing.
        var partnerAnswer = await hub.Lookups(Partner).LookupAsync(new LookupRequest { Identifier = Raw(email), Justification = Why });
        Assert.Contains(partnerAnswer.Disclosures, d => d.OwnerUnit == "NL-TBKK");
        Assert.False((await hub.Lookups("CA-RCMP-NCECC").LookupAsync(new LookupRequest { Identifier = Raw(Unique.Email()), Justification = Why })).Hit);
        var before = await Positions("BE-FCCU", Partner, "CA-RCMP-NCECC", "NL-TBKK");

        var changed = await nl.ChangeSharingPolicyAsync(Change(nlCase.CaseId, Tlp.Amber, "source protection: informant at risk", "BE-FCCU"));
        Assert.Equal(3, changed.Version);

        // BE-FCCU may still contact the owner, now under AMBER; the partner may use nothing of it any more.
        var toBe = Assert.Single(await hub.FeedAfter("BE-FCCU", before["BE-FCCU"])).SharingNarrowed;
        Assert.Equal(("NL-TBKK", nlCase.CaseId.Length > 0, RemainingDisclosure.Contact, Tlp.Amber, "source protection: informant at risk"),
            (toBe.OwnerUnit, toBe.CaseReference.Length > 0, toBe.StillVisible, toBe.Tlp, toBe.Reason));
        Assert.Equal([key], toBe.IdentifierKeys);
        Assert.Equal([beCase.CaseId], toBe.YourCaseIds);
        var toPartner = Assert.Single(await hub.FeedAfter(Partner, before[Partner])).SharingNarrowed;
        Assert.Equal((RemainingDisclosure.None, Tlp.Unspecified, toBe.CaseReference), (toPartner.StillVisible, toPartner.Tlp, toPartner.CaseReference));
        // A partner holds no case of its own to name it by, but it asked about the value itself: named by that value.
        Assert.Equal([key], toPartner.IdentifierKeys);
        Assert.Empty(toPartner.YourCaseIds);
        // Nobody else: not the unit that never learned anything, nor the owner.
        Assert.Empty(await hub.FeedAfter("CA-RCMP-NCECC", before["CA-RCMP-NCECC"]));
        Assert.Empty(await hub.FeedAfter("NL-TBKK", before["NL-TBKK"]));
        // And the lookup answers by the new policy.
        Assert.DoesNotContain((await hub.Lookups(Partner).LookupAsync(new LookupRequest { Identifier = Raw(email), Justification = Why })).Disclosures, d => d.OwnerUnit == "NL-TBKK");

        // Narrowing further (AMBER without BE-FCCU) tells BE-FCCU again, and the partner, already told to forget it, nothing.
        var again = await Positions("BE-FCCU", Partner);
        await nl.ChangeSharingPolicyAsync(Change(nlCase.CaseId, Tlp.Red, "operation under way"));
        Assert.Equal(RemainingDisclosure.None, Assert.Single(await hub.FeedAfter("BE-FCCU", again["BE-FCCU"])).SharingNarrowed.StillVisible);
        Assert.Empty(await hub.FeedAfter(Partner, again[Partner]));

        // For auditors: the command's access record names the recipients; the case's events say old, new and why.
        var audit = hub.Audit("EU-AUDIT");
        var records = (await audit.AccessLog(new QueryAccessLogRequest { CaseId = nlCase.CaseId })).Where(r => r.Operation == "ChangeSharingPolicy").ToList();
        Assert.Equal(2, records.Count);
        // The reason is sealed in the case's history (erasing the case erases it); the access record only says so.
        Assert.Equal(Hub.Sharing.ChangeSharingPolicy.SealedReasonNote, records[0].Justification);
        Assert.Contains($"narrowing notices to BE-FCCU (still sees Contact), {Partner} (still sees None)", records[0].Disclosed);
        Assert.Contains("narrowing notices to BE-FCCU (still sees None)", records[1].Disclosed);
        Assert.DoesNotContain(Partner, records[1].Disclosed);
        var replayed = (await audit.Replay(nlCase.CaseId)).Where(e => e.EventType == "sharing_policy_changed").ToList();
        Assert.Equal(2, replayed.Count);
        Assert.Contains("source protection: informant at risk", replayed[0].ReadableJson);
        Assert.DoesNotContain("source protection", replayed[0].DataJson);
        // The case's own events name no recipient: the owner replays them too.
        Assert.DoesNotContain(Partner, replayed[0].DataJson);
        Assert.DoesNotContain(beCase.CaseId, replayed[0].DataJson);
        var asOwner = (await hub.Audit("NL-TBKK").Replay(nlCase.CaseId)).Select(e => e.DataJson);
        Assert.DoesNotContain(asOwner, d => d.Contains(Partner) || d.Contains(beCase.CaseId));
    }

    [Fact]
    public async Task Widening_tells_the_correlated_unit_once()
    {
        var email = Unique.Email();
        var nlCase = await nl.OpenCaseAsync(OpenCase(tlp: Tlp.Red));
        await nl.AddSuspectIdentifierAsync(AddIdentifier(nlCase.CaseId, IdentifierKind.EmailAddress, email));
        var caCase = await ca.OpenCaseAsync(OpenCase(tlp: Tlp.Green));
        var key = (await ca.AddSuspectIdentifierAsync(AddIdentifier(caCase.CaseId, IdentifierKind.EmailAddress, email))).Identifier.Key;
        var before = await Positions("CA-RCMP-NCECC", "BE-FCCU", Partner);
        // CA was told nothing of the RED case.
        Assert.DoesNotContain(await hub.Feed("CA-RCMP-NCECC").ReadAll(0), i => i.Correlation?.YourCaseId == caCase.CaseId);

        await nl.ChangeSharingPolicyAsync(Change(nlCase.CaseId, Tlp.Amber, "joint operation with CA", "CA-RCMP-NCECC"));
        var told = Assert.Single(await hub.FeedAfter("CA-RCMP-NCECC", before["CA-RCMP-NCECC"])).Correlation;
        Assert.Equal((true, key, caCase.CaseId, "NL-TBKK", Tlp.Amber), (told.AfterWidening, told.IdentifierKey, told.YourCaseId, told.OtherCase.OwnerUnit, told.OtherCase.Tlp));
        Assert.Empty(await hub.FeedAfter("BE-FCCU", before["BE-FCCU"]));
        Assert.Empty(await hub.FeedAfter(Partner, before[Partner]));

        // Narrowed back to RED (CA is told to forget it), then widened again: the correlation is not told a second time.
        await nl.ChangeSharingPolicyAsync(Change(nlCase.CaseId, Tlp.Red, "pause"));
        var afterNarrowing = await Positions("CA-RCMP-NCECC");
        Assert.Equal(RemainingDisclosure.None, Assert.Single(await hub.FeedAfter("CA-RCMP-NCECC", before["CA-RCMP-NCECC"]), i => i.SharingNarrowed is not null).SharingNarrowed.StillVisible);
        await nl.ChangeSharingPolicyAsync(Change(nlCase.CaseId, Tlp.Green, "resumed"));
        Assert.Empty(await hub.FeedAfter("CA-RCMP-NCECC", afterNarrowing["CA-RCMP-NCECC"]));
    }

    [Fact]
    public async Task Refusals_answer_as_for_any_command()
    {
        var nlCase = await nl.OpenedCase(Tlp.Green);
        // Another unit's case is hidden from BE: NOT_FOUND, exactly as a case that does not exist.
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.ChangeSharingPolicyAsync(Change(nlCase, Tlp.Red, "mine now")).ResponseAsync)).Code);
        Assert.Equal(StatusCode.NotFound, (await Failure(() => be.ChangeSharingPolicyAsync(Change(Guid.NewGuid().ToString(), Tlp.Red, "none")).ResponseAsync)).Code);
        Assert.Equal((StatusCode.InvalidArgument, "reason"), Pick(await Failure(() => nl.ChangeSharingPolicyAsync(Change(nlCase, Tlp.Red, "")).ResponseAsync)));
        Assert.Equal((StatusCode.InvalidArgument, "sharing_policy.partner_units"),
            Pick(await Failure(() => nl.ChangeSharingPolicyAsync(Change(nlCase, Tlp.Amber, "why", "XX-NOBODY")).ResponseAsync)));
        // By reference, in Sync too.
        using var sync = nl.Sync();
        var request = Change("", Tlp.Red, "by reference");
        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = nlCase, Justification = Why });
        request.CaseReference = file.Reference;
        await sync.RequestStream.WriteAsync(new SyncCommand { ChangeSharingPolicy = request });
        await sync.RequestStream.CompleteAsync();
        var result = Assert.Single(await sync.ResponseStream.ReadAllAsync().ToListAsync());
        Assert.Equal((nlCase, 2L), (result.Result.CaseId, result.Result.Version));
        Assert.Equal(Tlp.Red, (await nl.GetCaseAsync(new GetCaseRequest { CaseId = nlCase, Justification = Why })).SharingPolicy.Tlp);
    }

    private static (StatusCode, string?) Pick((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) => (failure.Code, failure.Field);

    private static IdentifierQuery Raw(string email) => new() { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = email } };
}
