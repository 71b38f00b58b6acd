using EvidenceHub.Cli.Tests.Infrastructure;

namespace EvidenceHub.Cli.Tests;

public sealed class CaseCommandTests(CliHub hub) : IClassFixture<CliHub>
{
    [Fact]
    public async Task A_case_is_opened_filled_shown_and_closed_by_its_reference()
    {
        var reference = Unique.Reference("NL");
        var handle = Unique.Handle();
        var opened = await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "financial-sextortion", "--tlp", "green", "--handling", "h1");
        Assert.True(opened.Code == ExitCodes.Ok, opened.ToString());
        Assert.Contains(reference, opened.Out);

        var added = await hub.Run("NL-TBKK", "--json", "cases", "add-identifier", reference, "--kind", "account", "--platform", "Snap", "--value", "@" + handle.ToUpperInvariant());
        Assert.True(added.Code == ExitCodes.Ok, added.ToString());
        Assert.Equal($"account:snapchat:{handle}", added.Json()[0].GetProperty("identifier").GetProperty("key").GetString());

        var phone = await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--kind", "phone", "--value", "06-1" + Random.Shared.Next(1000000, 9999999));
        Assert.True(phone.Code == ExitCodes.Ok, phone.ToString());
        Assert.Contains("phone:+316", phone.Out);

        var linked = await hub.Run("NL-TBKK", "cases", "link-victim", reference, "--victim", "V-001", "--age-band", "13-15", "--country", "NL",
            "--first-contact", "2024-05-01", "--contacted-by", $"account:snapchat:{handle}");
        Assert.True(linked.Code == ExitCodes.Ok, linked.ToString());

        var shown = await hub.Run("NL-TBKK", "--json", "cases", "show", reference, "--why", "test");
        Assert.True(shown.Code == ExitCodes.Ok, shown.ToString());
        var file = shown.Json()[0];
        Assert.Equal(reference, file.GetProperty("reference").GetString());
        Assert.Equal(2, file.GetProperty("identifiers").GetArrayLength());
        Assert.Equal("V-001", file.GetProperty("victimLinks")[0].GetProperty("victimReference").GetString());

        var table = await hub.Run("NL-TBKK", "cases", "show", reference, "--why", "test");
        Assert.Contains($"account:snapchat:{handle}", table.Out);
        Assert.Contains("V-001", table.Out);

        var closed = await hub.Run("NL-TBKK", "cases", "close", reference, "--reason", "prosecuted");
        Assert.True(closed.Code == ExitCodes.Ok, closed.ToString());
        var afterClose = await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--kind", "email", "--value", "late@example.com");
        Assert.Equal(ExitCodes.Conflict, afterClose.Code);
        Assert.Contains("closed", afterClose.Error);
    }

    [Fact]
    public async Task A_victim_link_is_erased_with_its_basis_and_shows_erased()
    {
        var reference = Unique.Reference("NL");
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "amber")).Code);
        var linked = await hub.Run("NL-TBKK", "--json", "cases", "link-victim", reference, "--victim", "V-ERASE-1", "--age-band", "under-13", "--country", "NL");
        var linkId = linked.Json()[0].GetProperty("victimLinkId").GetString()!;

        var badBasis = await hub.Run("NL-TBKK", "cases", "erase", reference, "--victim-link", linkId, "--reason", "wrong case", "--basis", "whim");
        Assert.Equal(ExitCodes.Usage, badBasis.Code);
        var erased = await hub.Run("NL-TBKK", "cases", "erase", reference, "--victim-link", linkId, "--reason", "wrong case", "--basis", "unlawful");
        Assert.True(erased.Code == ExitCodes.Ok, erased.ToString());
        Assert.Contains($"Erased victim link {linkId}", erased.Out);

        var shown = await hub.Run("NL-TBKK", "--json", "cases", "show", reference, "--why", "test");
        Assert.Equal("[erased]", shown.Json()[0].GetProperty("victimLinks")[0].GetProperty("victimReference").GetString());
        Assert.DoesNotContain("V-ERASE-1", (await hub.Run("NL-TBKK", "cases", "show", reference, "--why", "test")).Out);
    }

    [Fact]
    public async Task A_whole_case_is_erased_with_its_basis_and_shows_erased()
    {
        var reference = Unique.Reference("NL");
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "amber")).Code);
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", "cases", "link-victim", reference, "--victim", "V-ERASE-2", "--age-band", "under-13", "--country", "NL")).Code);

        var neither = await hub.Run("NL-TBKK", "cases", "erase", reference, "--reason", "retention", "--basis", "court-order");
        Assert.Equal(ExitCodes.Usage, neither.Code);
        var erased = await hub.Run("NL-TBKK", "cases", "erase", reference, "--whole-case", "--reason", "court order 12", "--basis", "court-order");
        Assert.True(erased.Code == ExitCodes.Ok, erased.ToString());
        Assert.Contains("Erased case", erased.Out);

        var shown = await hub.Run("NL-TBKK", "--json", "cases", "show", reference, "--why", "test");
        Assert.True(shown.Json()[0].GetProperty("erased").GetBoolean());
        Assert.Equal("[erased]", shown.Json()[0].GetProperty("victimLinks")[0].GetProperty("victimReference").GetString());
        var later = await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--kind", "email", "--value", "late@example.com");
        Assert.Equal(ExitCodes.Conflict, later.Code);
    }

    [Fact]
    public async Task An_identifier_is_erased_by_its_key_and_leaves_the_case()
    {
        var reference = Unique.Reference("NL");
        var email = $"erase.{Guid.NewGuid():N}@example.com";
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "amber")).Code);
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--kind", "email", "--value", email)).Code);

        var both = await hub.Run("NL-TBKK", "cases", "erase", reference, "--identifier", "email:" + email, "--victim-link", Guid.NewGuid().ToString(), "--reason", "r", "--basis", "unlawful");
        Assert.Equal(ExitCodes.Usage, both.Code);
        var erased = await hub.Run("NL-TBKK", "cases", "erase", reference, "--identifier", "email:" + email, "--reason", "not the offender's", "--basis", "unlawful");
        Assert.True(erased.Code == ExitCodes.Ok, erased.ToString());
        Assert.Contains($"Erased identifier email:{email}", erased.Out);

        Assert.DoesNotContain(email, (await hub.Run("NL-TBKK", "cases", "show", reference, "--why", "test")).Out);
        var again = await hub.Run("NL-TBKK", "cases", "erase", reference, "--identifier", "email:" + email, "--reason", "r", "--basis", "unlawful");
        Assert.Equal(ExitCodes.NotFound, again.Code);
    }

    [Fact]
    public async Task A_retried_command_id_is_answered_as_a_replay()
    {
        var reference = Unique.Reference("NL");
        var commandId = "retry-" + Guid.NewGuid().ToString("N");
        string[] open = ["cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "amber", "--command-id", commandId];
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", open)).Code);
        var again = await hub.Run("NL-TBKK", open);
        Assert.Equal(ExitCodes.Ok, again.Code);
        Assert.Contains("replayed", again.Out);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_the_field_named_and_exit_code_3()
    {
        var reference = Unique.Reference("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "green");
        var bad = await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--kind", "iban", "--value", "NL91 ABNA 0417 1643 01");
        Assert.Equal(ExitCodes.InvalidArgument, bad.Code);
        Assert.Contains("identifier.value", bad.Error);
        Assert.Contains("mod-97", bad.Error);

        var country = await hub.Run("NL-TBKK", "cases", "link-victim", reference, "--victim", "V-9", "--age-band", "16-17", "--country", "XX");
        Assert.Equal(ExitCodes.InvalidArgument, country.Code);
        Assert.Contains("country", country.Error);
    }

    [Fact]
    public async Task Missing_cases_and_other_units_cases_have_their_own_exit_codes()
    {
        var missing = await hub.Run("NL-TBKK", "cases", "show", Guid.NewGuid().ToString(), "--why", "test");
        Assert.Equal(ExitCodes.NotFound, missing.Code);
        Assert.Contains("case_id", missing.Error);

        // Another unit's case, which NL-TBKK may not see, answers as a missing one (and its owner is not named).
        var reference = Unique.Reference("BE");
        var opened = await hub.Run("BE-FCCU", "--json", "cases", "open", "--reference", reference, "--offence", "sextortion", "--tlp", "green");
        var caseId = opened.Json()[0].GetProperty("caseId").GetString()!;
        var foreign = await hub.Run("NL-TBKK", "cases", "close", caseId, "--reason", "not mine");
        Assert.Equal(ExitCodes.NotFound, foreign.Code);
        Assert.DoesNotContain("BE-FCCU", foreign.Error);
        // A reference names only the caller's own cases.
        var byReference = await hub.Run("NL-TBKK", "cases", "close", reference, "--reason", "not mine");
        Assert.Equal(ExitCodes.NotFound, byReference.Code);
        Assert.Contains("case_reference", byReference.Error);

        var partner = await hub.Run(DemoScenarioUnits.Partner, "cases", "open", "--reference", Unique.Reference("US"), "--offence", "sextortion", "--tlp", "green");
        Assert.Equal(ExitCodes.NotAllowed, partner.Code);
    }

    [Fact]
    public async Task Usage_errors_exit_with_2_before_anything_is_sent()
    {
        var missingOption = await hub.Run("NL-TBKK", "cases", "open", "--reference", "X");
        Assert.Equal(ExitCodes.Usage, missingOption.Code);
        Assert.Contains("--offence", missingOption.Error);

        var badKind = await hub.Run("NL-TBKK", "cases", "add-identifier", "X", "--kind", "fax", "--value", "1");
        Assert.Equal(ExitCodes.Usage, badKind.Code);
        Assert.Contains("--kind", badKind.Error);

        var noCertificate = await hub.Run("XX-NOBODY", "cases", "show", "X", "--why", "test");
        Assert.Equal(ExitCodes.Usage, noCertificate.Code);
        Assert.Contains("XX-NOBODY.crt", noCertificate.Error);

        var unreachable = await hub.Run("NL-TBKK", ["--hub", "https://127.0.0.1:1", "cases", "show", "X", "--why", "test"]);
        Assert.Equal(ExitCodes.Unreachable, unreachable.Code);
        Assert.Contains("cannot reach the hub", unreachable.Error);
    }

    [Fact]
    public async Task A_case_is_reviewed_a_pending_handoff_cannot_be_escalated_and_an_auditor_lists_overdue_cases()
    {
        var reference = Unique.Reference("NL");
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "grooming", "--tlp", "green");
        var reviewed = await hub.Run("NL-TBKK", "cases", "review", reference, "--note", "trial pending: keep");
        Assert.True(reviewed.Code == ExitCodes.Ok, reviewed.ToString());
        Assert.Contains("Reviewed case", reviewed.Out);
        Assert.Equal(ExitCodes.Usage, (await hub.Run("NL-TBKK", "cases", "review", reference)).Code);

        var requested = await hub.Run("NL-TBKK", "--json", "cases", "request-handoff", reference, "--to", "BE-FCCU", "--reason", "victims in BE");
        var handoffId = requested.Json()[0].GetProperty("handoffId").GetString()!;
        var early = await hub.Run("NL-TBKK", "cases", "escalate-handoff", reference, handoffId, "--note", "please answer");
        Assert.Equal(ExitCodes.Conflict, early.Code);
        Assert.Contains("expired", early.Error);

        var overdue = await hub.Run(CliHub.Auditor, "audit", "overdue", "--why", "retention supervision");
        Assert.True(overdue.Code == ExitCodes.Ok, overdue.ToString());
        Assert.Contains("0 overdue cases", overdue.Out);
    }

    [Fact]
    public async Task A_handoff_is_requested_accepted_and_moves_the_lead()
    {
        var reference = Unique.Reference("BE");
        await hub.Run("BE-FCCU", "cases", "open", "--reference", reference, "--offence", "financial-sextortion", "--tlp", "amber");
        var requested = await hub.Run("BE-FCCU", "--json", "cases", "request-handoff", reference, "--to", "NL-TBKK", "--reason", "suspect lives in NL");
        Assert.True(requested.Code == ExitCodes.Ok, requested.ToString());
        var handoffId = requested.Json()[0].GetProperty("handoffId").GetString()!;
        var caseId = requested.Json()[0].GetProperty("caseId").GetString()!;

        var accepted = await hub.Run("NL-TBKK", "cases", "accept-handoff", caseId, handoffId);
        Assert.True(accepted.Code == ExitCodes.Ok, accepted.ToString());
        var shown = await hub.Run("NL-TBKK", "--json", "cases", "show", caseId, "--why", "new lead");
        Assert.Equal("NL-TBKK", shown.Json()[0].GetProperty("ownerUnit").GetString());

        var second = await hub.Run("BE-FCCU", "--json", "cases", "request-handoff", Unique.Reference("X"), "--to", "NL-TBKK", "--reason", "x");
        Assert.Equal(ExitCodes.NotFound, second.Code);
    }

    [Fact]
    public async Task A_joint_case_invite_accept_show_and_leave()
    {
        var reference = Unique.Reference("NL");
        var opened = await hub.Run("NL-TBKK", "--json", "cases", "open", "--reference", reference, "--offence", "financial-sextortion", "--tlp", "red");
        var caseId = opened.Json()[0].GetProperty("caseId").GetString()!;
        var invited = await hub.Run("NL-TBKK", "cases", "join", "invite", reference, "--unit", "BE-FCCU", "--reason", "joint investigation");
        Assert.True(invited.Code == ExitCodes.Ok, invited.ToString());
        Assert.Contains($"cases join accept {caseId}", invited.Out);
        var accepted = await hub.Run("BE-FCCU", "cases", "join", "accept", caseId);
        Assert.True(accepted.Code == ExitCodes.Ok, accepted.ToString());
        var shown = await hub.Run("BE-FCCU", "cases", "show", caseId, "--why", "joint investigation");
        Assert.True(shown.Code == ExitCodes.Ok, shown.ToString());
        Assert.Contains("BE-FCCU", shown.Out);

        var close = await hub.Run("BE-FCCU", "cases", "close", caseId, "--reason", "not ours to close");
        Assert.NotEqual(ExitCodes.Ok, close.Code);
        var left = await hub.Run("BE-FCCU", "cases", "join", "leave", caseId, "--reason", "our part is done");
        Assert.True(left.Code == ExitCodes.Ok, left.ToString());
        Assert.Equal(ExitCodes.NotFound, (await hub.Run("BE-FCCU", "cases", "show", caseId, "--why", "after leaving")).Code);
        Assert.Equal(ExitCodes.Ok, (await hub.Run("NL-TBKK", "cases", "join", "invite", reference, "--unit", "CA-RCMP-NCECC", "--reason", "r")).Code);
        Assert.Equal(ExitCodes.Ok, (await hub.Run("CA-RCMP-NCECC", "cases", "join", "decline", caseId, "--reason", "no capacity")).Code);
    }

    [Fact]
    public async Task A_declined_handoff_and_a_retracted_identifier()
    {
        var reference = Unique.Reference("NL");
        var handle = Unique.Handle();
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "grooming", "--tlp", "green");
        await hub.Run("NL-TBKK", "cases", "add-identifier", reference, "--key", $"account:instagram:{handle}");
        var requested = await hub.Run("NL-TBKK", "--json", "cases", "request-handoff", reference, "--to", "BE-FCCU", "--reason", "victims in BE");
        var handoffId = requested.Json()[0].GetProperty("handoffId").GetString()!;
        var caseId = requested.Json()[0].GetProperty("caseId").GetString()!;
        var declined = await hub.Run("BE-FCCU", "cases", "decline-handoff", caseId, handoffId, "--reason", "no capacity");
        Assert.True(declined.Code == ExitCodes.Ok, declined.ToString());

        var retracted = await hub.Run("NL-TBKK", "cases", "retract-identifier", reference, $"account:instagram:{handle}", "--reason", "typo in the handle");
        Assert.True(retracted.Code == ExitCodes.Ok, retracted.ToString());
        var shown = await hub.Run("NL-TBKK", "cases", "show", reference, "--why", "check");
        Assert.Contains("retracted", shown.Out);
        Assert.Contains("declined", shown.Out);

        var marked = await hub.Run("NL-TBKK", "cases", "not-to-correlate", "--kind", "email", "--value", "Support@Example.com", "--reason", "platform support address");
        Assert.True(marked.Code == ExitCodes.Ok, marked.ToString());
        Assert.Contains("no longer correlates on Support@Example.com (pseudonym pid1:", marked.Out);
    }

    [Fact]
    public async Task Grading_regrading_and_corrections()
    {
        var reference = Unique.Reference("NL");
        var handle = Unique.Handle();
        await hub.Run("NL-TBKK", "cases", "open", "--reference", reference, "--offence", "grooming", "--tlp", "green");
        var added = await hub.Run("NL-TBKK", "--json", "cases", "add-identifier", reference, "--key", $"account:instagram:{handle}x", "--grading", "B2-fact");
        Assert.True(added.Code == ExitCodes.Ok, added.ToString());
        Assert.Equal("SOURCE_RELIABILITY_B", added.Json()[0].GetProperty("identifier").GetProperty("grading").GetProperty("sourceReliability").GetString());
        var bad = await hub.Run("NL-TBKK", "cases", "grade", reference, "--identifier", $"account:instagram:{handle}x", "--grading", "D9", "--reason", "r");
        Assert.Equal(ExitCodes.Usage, bad.Code);
        var graded = await hub.Run("NL-TBKK", "cases", "grade", reference, "--identifier", $"account:instagram:{handle}x", "--grading", "a1-fact", "--reason", "confirmed");
        Assert.True(graded.Code == ExitCodes.Ok, graded.ToString());
        Assert.Contains("A1-fact", graded.Out);

        var replaced = await hub.Run("NL-TBKK", "cases", "correct", "identifier", reference, $"account:instagram:{handle}x", "--key", $"account:instagram:{handle}", "--reason", "typo in the handle");
        Assert.True(replaced.Code == ExitCodes.Ok, replaced.ToString());
        Assert.Contains($"by account:instagram:{handle}", replaced.Out);

        var linked = await hub.Run("NL-TBKK", "--json", "cases", "link-victim", reference, "--victim", "V-CLI-G", "--age-band", "13-15", "--country", "NL");
        var link = linked.Json()[0].GetProperty("victimLinkId").GetString()!;
        var corrected = await hub.Run("NL-TBKK", "cases", "correct", "victim", reference, link, "--country", "BE", "--first-contact", "unknown", "--reason", "passport");
        Assert.True(corrected.Code == ExitCodes.Ok, corrected.ToString());
        var nothing = await hub.Run("NL-TBKK", "cases", "correct", "victim", reference, link, "--reason", "nothing");
        Assert.Equal(ExitCodes.InvalidArgument, nothing.Code);
    }
}

internal static class DemoScenarioUnits
{
    public const string Partner = Demo.DemoScenario.Partner;
}
