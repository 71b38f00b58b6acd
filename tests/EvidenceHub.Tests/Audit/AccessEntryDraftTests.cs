using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using Grpc.Core;

namespace EvidenceHub.Tests.Audit;

/// The one way an access record is written: each step sets one field, and only an outcome makes a record.
public sealed class AccessEntryDraftTests
{
    private static readonly Caller Unit = new("NL-TBKK", "NL", [Roles.Unit], "j.devries", "CN=NL-TBKK");

    [Fact]
    public void An_answered_read_names_who_why_what_and_the_recipient()
    {
        var caseId = Guid.NewGuid();

        var entry = AccessEntry.For(Unit, "GetCase", "ticket-4711").Justified("case review").Asking($"case {caseId}")
            .AboutCase(caseId).AboutIdentifiers(["email:a@example.org"]).Allowed("case v3: 1 identifiers");

        Assert.Equal(new AccessEntry(Unit, "GetCase", AccessOutcome.Allowed, "case review", $"case {caseId}", "case v3: 1 identifiers", caseId, "ticket-4711")
        {
            IdentifierKeys = ["email:a@example.org"],
        }.ToString(), entry.ToString());
        Assert.Equal(["email:a@example.org"], entry.IdentifierKeys);
        Assert.Equal("NL-TBKK", entry.RecipientUnit);
    }

    [Fact]
    public void A_refusal_discloses_nothing_and_has_no_recipient()
    {
        var entry = AccessEntry.For(Unit, "GetCase", "c").Asking("case reference R-1").Refused();

        Assert.Equal((AccessOutcome.Refused, null, null, null, "R-1"), (entry.Outcome, entry.Disclosed, entry.Justification, entry.RecipientUnit, entry.Asked[^3..]));
        Assert.Empty(entry.IdentifierKeys);
    }

    [Fact]
    public void A_write_that_discloses_nothing_has_no_recipient_either()
    {
        var entry = AccessEntry.For(Unit, "AddCheckpointCosignature", "c").Asking("cosignature").Allowed();

        Assert.Equal((AccessOutcome.Allowed, null, null), (entry.Outcome, entry.Disclosed, entry.RecipientUnit));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, AccessOutcome.Refused)]
    [InlineData(StatusCode.NotFound, AccessOutcome.Refused)]
    [InlineData(StatusCode.Unavailable, AccessOutcome.Failed)]
    [InlineData(StatusCode.Internal, AccessOutcome.Failed)]
    public void Not_answered_is_refused_or_failed_as_the_status_says(StatusCode code, AccessOutcome outcome)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = "caller text that must not be recorded" };

        var entry = AccessEntry.For(Unit, "BatchLookup", "c").Asking("item 7 in BatchLookup").NotAnswered(status);

        Assert.Equal(outcome, entry.Outcome);
        Assert.Equal($"nothing (refused: {code})", entry.Disclosed);
    }

    [Fact]
    public void A_draft_is_made_storable_when_it_becomes_a_record()
    {
        var entry = AccessEntry.For(Unit, "GetCase", "c").Justified("why\0not").Asking(new string('a', AccessEntry.MaxAskedLength * 2)).Refused();

        Assert.DoesNotContain('\0', entry.Justification!);
        Assert.True(entry.Asked.Length <= AccessEntry.MaxAskedLength + 16);
    }

    [Fact]
    public void Out_of_range_names_the_field_like_the_other_rejections()
    {
        var rejection = Rejection.OutOfRange("version", "case x has 3 versions");

        Assert.Equal(StatusCode.OutOfRange, (StatusCode)rejection.Status.Code);
        Assert.Equal("version", rejection.Status.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Single().Field);
    }
}
