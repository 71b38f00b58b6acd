using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;
using static EvidenceHub.Tests.Deciders.IdentifierDeciderTests;
using static EvidenceHub.Tests.Deciders.Sample;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

public sealed class CorrelationDeciderTests
{
    private static readonly string Key = MatchKey("email:offender@example.com");
    private static readonly Guid Mine = Guid.NewGuid(), Theirs = Guid.NewGuid(), Third = Guid.NewGuid();

    private static CaseParty Party(CaseOpened opened) => CaseParty.Of(CaseFile.Evolve(null, opened, DeciderSpec.Now)!);

    private static MarkNotToCorrelate Mark(Caller by, string value) =>
        MarkNotToCorrelate.From(new MarkNotToCorrelateRequest { CommandId = NewCommandId(), Identifier = Email(value), Reason = "decoy" }, by, Pseudonyms);

    [Fact]
    public void The_same_identifier_in_another_units_case_correlates_both()
    {
        var theirs = Opened(Theirs, Be, Tlp.Amber, "NL-TBKK");
        var outcome = DeciderSpec.Given(theirs, Added(Theirs, "offender@example.com"), Opened(Mine, Nl))
            .When(Add(Mine, Nl, Email("offender@example.com")))
            .Then(Added(Mine, "offender@example.com"), new CorrelationFound(Key, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(theirs)));
        Assert.Equal(1, outcome.Result<CommandResult>().Correlations);
    }

    [Fact]
    public void A_correlation_the_unit_may_not_see_is_not_counted_in_its_answer()
    {
        // Recorded (the RED case's owner is told), but the adding unit learns nothing of it.
        var outcome = DeciderSpec.Given(Opened(Theirs, Be, Tlp.Red), Added(Theirs, "offender@example.com"), Opened(Mine, Nl))
            .When(Add(Mine, Nl, Email("offender@example.com")));
        Assert.IsType<CorrelationFound>(outcome.Decision!.Events[1]);
        Assert.Equal(0, outcome.Result<CommandResult>().Correlations);
    }

    [Fact]
    public void An_identifier_held_by_the_threshold_of_cases_is_flagged_common_and_correlates_no_more()
    {
        var options = new CorrelationOptions { CommonThreshold = 2 };
        var spec = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Third, Ca), Added(Third, "offender@example.com"), Opened(Mine, Nl));
        var outcome = spec.When(Add(Mine, Nl, Email("offender@example.com"), options)).Then(Added(Mine, "offender@example.com"), new IdentifierFlaggedCommon(Key, 3));
        Assert.True(outcome.Result<CommandResult>().Common);
        spec.And(new IdentifierFlaggedCommon(Key, 3)).When(Add(Mine, Nl, Email("offender@example.com"), options)).Then(Added(Mine, "offender@example.com"));
    }

    [Fact]
    public void A_unit_that_marked_a_value_not_to_correlate_neither_correlates_on_it_nor_is_correlated_with()
    {
        var holders = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Third, Ca, Tlp.Green), Added(Third, "offender@example.com"), Opened(Mine, Nl));
        holders.And(new IdentifierMarkedNotToCorrelate(Key, "NL-TBKK", "decoy")).When(Add(Mine, Nl, Email("offender@example.com"))).Then(Added(Mine, "offender@example.com"));
        holders.And(new IdentifierMarkedNotToCorrelate(Key, "BE-FCCU", "decoy")).When(Add(Mine, Nl, Email("offender@example.com")))
            .Then(Added(Mine, "offender@example.com"), new CorrelationFound(Key, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(Opened(Third, Ca, Tlp.Green))));
    }

    [Fact]
    public void A_unit_marks_a_value_by_its_canonical_key_once()
    {
        var outcome = DeciderSpec.Given().When(Mark(Nl, "Offender@Example.com")).Then(new IdentifierMarkedNotToCorrelate(Key, "NL-TBKK", "decoy"));
        Assert.Equal(Key, outcome.Result<MarkNotToCorrelateResult>().IdentifierKey);
        DeciderSpec.Given(new IdentifierMarkedNotToCorrelate(Key, "NL-TBKK", "decoy")).When(Mark(Nl, "offender@example.com")).Then();
        // Another unit's mark is its own.
        DeciderSpec.Given(new IdentifierMarkedNotToCorrelate(Key, "BE-FCCU", "decoy")).When(Mark(Nl, "offender@example.com"))
            .Then(new IdentifierMarkedNotToCorrelate(Key, "NL-TBKK", "decoy"));
    }

    [Fact]
    public void A_mark_names_its_value_against_the_units_own_country()
    {
        var phone = new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.PhoneNumber, Value = "06-12345678" };
        var mark = MarkNotToCorrelate.From(new MarkNotToCorrelateRequest { CommandId = NewCommandId(), Identifier = phone, Reason = "police number" }, Nl, Pseudonyms);
        Assert.Equal((MatchKey("phone:+31612345678"), null), (mark.Key, mark.CaseId));
        DeciderSpec.WhenBuilding(() => MarkNotToCorrelate.From(new MarkNotToCorrelateRequest { CommandId = NewCommandId(), Identifier = phone }, Nl, Pseudonyms))
            .ThenRejected(Grpc.Core.StatusCode.InvalidArgument, "reason");
    }
}
