using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using Google.Rpc;

namespace EvidenceHub.Tests.Audit;

/// One justification shape for every read: checked field by field, recorded one way.
public sealed class JustificationTests
{
    [Fact]
    public void A_purpose_is_recorded_with_the_callers_own_case_when_it_names_one()
    {
        Assert.Equal("checking a report", Justifications.Required(new Justification { Purpose = " checking a report " }, "justification", 1000));
        Assert.Equal("checking a report (own case NL-2026-7)",
            Justifications.Required(new Justification { Purpose = "checking a report", CaseReference = "NL-2026-7" }, "justification", 1000));
    }

    [Theory]
    [InlineData(null, "", "justification.purpose")]
    [InlineData("", "NL-2026-7", "justification.purpose")]
    [InlineData(".", "", "justification.purpose")]
    [InlineData("checking a report", "NL\u0000-7", "justification.case_reference")]
    public void A_bad_justification_names_its_field(string? purpose, string caseReference, string field)
    {
        var justification = purpose is null ? null : new Justification { Purpose = purpose, CaseReference = caseReference };
        var refused = Assert.Throws<Rejection>(() => Justifications.Required(justification, "justification", 1000));
        Assert.Equal(field, refused.Status.Details.Select(d => d.Unpack<BadRequest>()).Single().FieldViolations.Single().Field);
    }

    [Fact]
    public void A_purpose_longer_than_allowed_is_refused()
    {
        var refused = Assert.Throws<Rejection>(() => Justifications.Required(new Justification { Purpose = new string('x', 11) }, "justification", 10));
        Assert.Equal("justification.purpose", refused.Status.Details.Select(d => d.Unpack<BadRequest>()).Single().FieldViolations.Single().Field);
    }
}
