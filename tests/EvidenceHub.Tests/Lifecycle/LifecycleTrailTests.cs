using System.Text.RegularExpressions;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Lifecycle;

/// Issue 13's "done when", part by part, in one case's life: for every step, who was told (the feed of the unit that
/// must be told), what the audit log says (the event in the case's logged history, by the owner's unit) and what the
/// access log says (the command's own record). NL-TBKK owns the case; BE-FCCU holds two of its identifiers; CA-RCMP-NCECC
/// is invited to co-lead.
[Collection(FeedHub.Name)]
public sealed class LifecycleTrailTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK", user: "j.devries");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");

    /// One step: the command, the operation its access record names, the event it appends, and who must be told.
    private sealed record Step(string Operation, Func<Task> Run, string Event, string? Told = null, Func<FeedItem, bool>? Notice = null);

    [Fact]
    public async Task Every_lifecycle_step_tells_whom_it_must_and_is_in_the_audit_log_and_the_access_log()
    {
        var (shared, mistyped, right) = (Unique.Email(), Unique.Email(), Unique.Email());
        var caseId = await nl.OpenedCase(Tlp.Green);
        var beCase = await be.OpenedCase(Tlp.Green);
        var sharedKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, shared))).Identifier.Key;
        var mistypedKey = (await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, mistyped))).Identifier.Key;
        await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, shared));
        await be.AddSuspectIdentifierAsync(AddIdentifier(beCase, IdentifierKind.EmailAddress, mistyped));
        var link = await nl.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = caseId, VictimReference = "V-TRAIL-1", AgeBand = AgeBand._13To15, Country = "NL" });
        string? handoffId = null;

        var steps = new Step[]
        {
            new("RegradeData", () => nl.RegradeDataAsync(new RegradeDataRequest
                {
                    CommandId = NewId(), CaseId = caseId, IdentifierKey = sharedKey, Reason = "bank records",
                    Grading = new Grading { SourceReliability = SourceReliability.A, InformationCredibility = InformationCredibility.KnownTrueWithoutReservation, Nature = InformationNature.Fact },
                }).ResponseAsync,
                "IdentifierRegraded", "BE-FCCU", i => i.Regrading?.IdentifierKey == sharedKey),
            new("ReplaceSuspectIdentifier", () => nl.ReplaceSuspectIdentifierAsync(new ReplaceSuspectIdentifierRequest
                {
                    CommandId = NewId(), CaseId = caseId, IdentifierKey = mistypedKey, Reason = "mistyped",
                    Identifier = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = right },
                }).ResponseAsync,
                "SuspectIdentifierRetracted", "BE-FCCU", i => i.Correction?.IdentifierKey == mistypedKey),
            new("CorrectVictimLink", () => nl.CorrectVictimLinkAsync(new CorrectVictimLinkRequest
                {
                    CommandId = NewId(), CaseId = caseId, VictimLinkId = link.VictimLinkId, Country = "BE", Reason = "the victim lives in Ghent",
                }).ResponseAsync,
                "VictimLinkCorrected"),
            new("RestrictData", () => nl.RestrictDataAsync(new RestrictDataRequest
                {
                    CommandId = NewId(), CaseId = caseId, IdentifierKey = sharedKey, Reason = "accuracy contested", LegalBasis = "LED Art. 16(3)(a)",
                }).ResponseAsync,
                "DataRestricted", "BE-FCCU", i => i.Restriction is { Lifted: false } r && r.IdentifierKeys.Contains(sharedKey)),
            new("LiftRestriction", () => nl.LiftRestrictionAsync(new LiftRestrictionRequest
                {
                    CommandId = NewId(), CaseId = caseId, IdentifierKey = sharedKey, Reason = "checked: accurate",
                }).ResponseAsync,
                "RestrictionLifted", "BE-FCCU", i => i.Restriction is { Lifted: true } r && r.IdentifierKeys.Contains(sharedKey)),
            new("ReviewCase", () => nl.ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = caseId, Note = "still needed" }).ResponseAsync,
                "CaseReviewed"),
            new("InviteCoLead", () => nl.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "CA-RCMP-NCECC", Reason = "joint work" }).ResponseAsync,
                "CoLeadInvited", "CA-RCMP-NCECC", i => i.CoLead is { Change: CoLeadChange.Invited } c && c.CaseId == caseId),
            new("LeaveCase", () => nl.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = caseId, CoLeadUnit = "CA-RCMP-NCECC", Reason = "not needed after all" }).ResponseAsync,
                "CoLeadInvitationWithdrawn", "CA-RCMP-NCECC", i => i.CoLead is { Change: CoLeadChange.Withdrawn } c && c.CaseId == caseId),
            new("RequestHandoff", async () => handoffId = (await nl.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = caseId, TargetUnit = "BE-FCCU", Reason = "offender in Ghent" })).HandoffId,
                "HandoffRequested", "BE-FCCU", i => i.Handoff?.CaseId == caseId),
            new("CancelHandoff", () => nl.CancelHandoffAsync(new CancelHandoffRequest { CommandId = NewId(), CaseId = caseId, HandoffId = handoffId!, Reason = "NL keeps it" }).ResponseAsync,
                "HandoffCancelled", "BE-FCCU", i => i.Handoff is { } h && h.CaseId == caseId && h.Reason == "NL keeps it"),
            new("ChangeSharingPolicy", () => nl.ChangeSharingPolicyAsync(new ChangeSharingPolicyRequest
                {
                    CommandId = NewId(), CaseId = caseId, Reason = "covert phase", SharingPolicy = new SharingPolicy { Tlp = Tlp.Red, HandlingCode = HandlingCode.H2 },
                }).ResponseAsync,
                "SharingPolicyChanged", "BE-FCCU", i => i.SharingNarrowed?.OwnerUnit == "NL-TBKK" && i.SharingNarrowed.IdentifierKeys.Contains(sharedKey)),
            new("EraseVictimLink", () => nl.EraseVictimLinkAsync(new EraseVictimLinkRequest
                {
                    CommandId = NewId(), CaseId = caseId, VictimLinkId = link.VictimLinkId, LegalBasis = ErasureBasis.UnlawfulProcessing, Reason = "DPO-9",
                }).ResponseAsync,
                "VictimLinkErased"),
        };

        foreach (var step in steps)
        {
            var start = step.Told is { } told ? await hub.Feed(told).LastPosition() : 0;
            await step.Run();
            if (step.Told is { } unit)
                Assert.True((await hub.FeedAfter(unit, start)).Any(step.Notice!), $"{step.Operation}: {unit} was not told");
        }

        // The audit log: every step's event is in the case's history, logged (with a log position), by the owner's unit.
        var auditor = hub.Audit("EU-AUDIT");
        var history = await auditor.ReplayLogged(caseId);
        foreach (var step in steps)
            Assert.Contains(history, e => e.EventType == Snake(step.Event) && e.Unit == "NL-TBKK" && e.User == "j.devries" && e.HasLogPosition);

        // The access log: one allowed record per step, by the owner's user, naming what it did.
        var records = await auditor.AccessLog(new QueryAccessLogRequest { CaseId = caseId, Unit = "NL-TBKK" });
        foreach (var step in steps)
        {
            var record = Assert.Single(records, r => r.Operation == step.Operation);
            Assert.Equal((AccessOutcome.Allowed, "j.devries"), (record.Outcome, record.User));
            Assert.True(record.Disclosed.Contains(step.Event) || step.Operation is "ChangeSharingPolicy" or "EraseVictimLink", $"{step.Operation}: {record.Disclosed}");
        }
        Assert.Contains("BE-FCCU", records.Single(r => r.Operation == "ChangeSharingPolicy").Disclosed);
        Assert.Contains(link.VictimLinkId, records.Single(r => r.Operation == "EraseVictimLink").Asked);
    }

    private static string Snake(string pascal) => Regex.Replace(pascal, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();
}
