using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Handoffs;
using AgeBand = EvidenceHub.Hub.Victims.AgeBand;
using VictimLinked = EvidenceHub.Hub.Victims.VictimLinked;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.IdentifierDeciderTests;
using static EvidenceHub.Tests.Deciders.Sample;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

public sealed class RestrictionDeciderTests
{
    private static readonly string Key = MatchKey("email:offender@example.com");
    private const string Basis = "LED Art. 16(3)(a)";
    private static readonly Guid Mine = Guid.NewGuid(), Theirs = Guid.NewGuid(), Victim = Guid.NewGuid();

    private static CaseParty Party(CaseOpened opened) => CaseParty.Of(CaseFile.Evolve(null, opened, DeciderSpec.Now)!);

    public static RestrictData Restrict(Guid caseId, Caller by, Action<RestrictDataRequest> scope)
    {
        var request = new RestrictDataRequest { CommandId = NewCommandId(), CaseId = caseId.ToString(), Reason = "accuracy contested", LegalBasis = Basis };
        scope(request);
        return RestrictData.From(request, by, On(caseId), Pseudonyms);
    }

    public static LiftRestriction Lift(Guid caseId, Caller by, Action<LiftRestrictionRequest> scope)
    {
        var request = new LiftRestrictionRequest { CommandId = NewCommandId(), CaseId = caseId.ToString(), Reason = "accuracy confirmed" };
        scope(request);
        return LiftRestriction.From(request, by, On(caseId), new CorrelationOptions(), Pseudonyms);
    }

    private static readonly RestrictedData Identifier = new(RestrictionScope.Identifier, IdentifierKey: Key);

    /// BE's case and mine both hold the identifier, correlated when I added it.
    private static readonly DeciderSpec Correlated = DeciderSpec.Given(
        Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Mine, Nl), Added(Mine, "offender@example.com"),
        new CorrelationFound(Key, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(Opened(Theirs, Be))));

    [Fact]
    public void Restricting_a_case_names_every_unit_told_of_it()
    {
        Correlated.When(Restrict(Mine, Nl, r => r.WholeCase = true))
            .Then(new DataRestricted(Mine, RestrictedData.WholeCase, Text(Mine, "accuracy contested"), Basis, Party(Opened(Mine, Nl)),
                [new RestrictionRecipient("BE-FCCU", Theirs, Key)]));
        // And a pending handoff's target, who was told of the case itself.
        var handoff = Guid.NewGuid();
        var restricted = Assert.IsType<DataRestricted>(Assert.Single(Correlated.And(new HandoffRequested(Mine, handoff, "NL-TBKK", "CA-RCMP-NCECC", Text(Mine, "lead"), DeciderSpec.Now.AddDays(2)))
            .When(Restrict(Mine, Nl, r => r.WholeCase = true)).Decision!.Events));
        Assert.Equal([new RestrictionRecipient("BE-FCCU", Theirs, Key), new RestrictionRecipient("CA-RCMP-NCECC", null, null)], restricted.Told);
    }

    [Fact]
    public void Restricting_an_identifier_names_the_units_told_of_it_and_restricting_it_again_appends_nothing()
    {
        var spec = Correlated.And(new DataRestricted(Theirs, Identifier, Text(Theirs, "x"), Basis, Party(Opened(Theirs, Be)), []));
        Correlated.When(Restrict(Theirs, Be, r => r.IdentifierKey = Key))
            .Then(new DataRestricted(Theirs, Identifier, Text(Theirs, "accuracy contested"), Basis, Party(Opened(Theirs, Be)), [new RestrictionRecipient("NL-TBKK", Mine, Key)]));
        spec.When(Restrict(Theirs, Be, r => r.IdentifierKey = Key)).Then();
    }

    [Fact]
    public void A_victim_link_restriction_carries_the_country_the_summary_stops_counting()
    {
        var linked = DeciderSpec.Given(Opened(Mine, Nl), Linked(Mine, Victim, "V-1", AgeBand.Under13, "BE"));
        linked.When(Restrict(Mine, Nl, r => r.VictimLinkId = Victim.ToString()))
            .Then(new DataRestricted(Mine, new RestrictedData(RestrictionScope.VictimLink, VictimLinkId: Victim), Text(Mine, "accuracy contested"), Basis,
                Party(Opened(Mine, Nl)), [], "BE"));
        var summary = new CaseSummary { VictimsByCountry = { ["BE"] = 1 } };
        summary.Apply(new DataRestricted(Mine, new RestrictedData(RestrictionScope.VictimLink, VictimLinkId: Victim), Text(Mine, "r"), Basis, Party(Opened(Mine, Nl)), [], "BE"));
        Assert.Empty(summary.VictimsByCountry);
    }

    [Fact]
    public void Only_the_owner_restricts_or_lifts_and_only_what_the_case_holds()
    {
        Correlated.When(Restrict(Mine, Be, r => r.WholeCase = true)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Correlated.And(new DataRestricted(Mine, RestrictedData.WholeCase, Text(Mine, "r"), Basis, Party(Opened(Mine, Nl)), []))
            .When(Lift(Mine, Be, r => r.WholeCase = true)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        Correlated.When(Restrict(Mine, Nl, r => r.IdentifierKey = "email:other@example.com")).ThenRejected(StatusCode.NotFound, "identifier_key");
        Correlated.When(Restrict(Mine, Nl, r => r.VictimLinkId = Guid.NewGuid().ToString())).ThenRejected(StatusCode.NotFound, "victim_link_id");
    }

    [Fact]
    public void The_hub_itself_may_restrict_a_case_it_does_not_own()
    {
        var hub = new Caller("hub", "", [Roles.Auditor], "review", "");
        var outcome = Correlated.When(RestrictData.ByHubOn(Mine, "review:" + Mine, "review date passed", "LED Art. 5", hub));
        Assert.Equal(RestrictedData.WholeCase, Assert.IsType<DataRestricted>(Assert.Single(outcome.Decision!.Events)).What);
    }

    [Fact]
    public void A_request_names_exactly_one_scope_a_reason_and_for_a_restriction_a_legal_basis()
    {
        DeciderSpec.WhenBuilding(() => Restrict(Mine, Nl, _ => { })).ThenRejected(StatusCode.InvalidArgument, "scope");
        DeciderSpec.WhenBuilding(() => Restrict(Mine, Nl, r => r.WholeCase = false)).ThenRejected(StatusCode.InvalidArgument, "whole_case");
        DeciderSpec.WhenBuilding(() => Restrict(Mine, Nl, r => r.VictimLinkId = "not-a-guid")).ThenRejected(StatusCode.InvalidArgument, "victim_link_id");
        DeciderSpec.WhenBuilding(() => Restrict(Mine, Nl, r => r.IdentifierKey = " ")).ThenRejected(StatusCode.InvalidArgument, "identifier_key");
        DeciderSpec.WhenBuilding(() => Restrict(Mine, Nl, r => { r.WholeCase = true; r.LegalBasis = ""; })).ThenRejected(StatusCode.InvalidArgument, "legal_basis");
        DeciderSpec.WhenBuilding(() => Lift(Mine, Nl, r => { r.WholeCase = true; r.Reason = ""; })).ThenRejected(StatusCode.InvalidArgument, "reason");
    }

    [Fact]
    public void A_restricted_case_takes_no_changes_but_may_be_lifted()
    {
        var restricted = Correlated.And(new DataRestricted(Mine, RestrictedData.WholeCase, Text(Mine, "r"), Basis, Party(Opened(Mine, Nl)), []));
        restricted.When(Add(Mine, Nl, Email("new@example.com"))).ThenRejected(StatusCode.FailedPrecondition, "CASE_RESTRICTED");
        restricted.When(Lift(Mine, Nl, r => r.WholeCase = true))
            .Then(new RestrictionLifted(Mine, RestrictedData.WholeCase, Text(Mine, "accuracy confirmed"), Party(Opened(Mine, Nl)), [new RestrictionRecipient("BE-FCCU", Theirs, Key)]));
    }

    [Fact]
    public void A_restricted_case_or_identifier_does_not_correlate()
    {
        var theirs = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Mine, Nl));
        theirs.And(new DataRestricted(Theirs, RestrictedData.WholeCase, Text(Theirs, "r"), Basis, Party(Opened(Theirs, Be)), []))
            .When(Add(Mine, Nl, Email("offender@example.com"))).Then(Added(Mine, "offender@example.com"));
        theirs.And(new DataRestricted(Theirs, Identifier, Text(Theirs, "r"), Basis, Party(Opened(Theirs, Be)), []))
            .When(Add(Mine, Nl, Email("offender@example.com"))).Then(Added(Mine, "offender@example.com"));
    }

    [Fact]
    public void Lifting_finds_the_correlations_missed_meanwhile_once()
    {
        // BE restricted its identifier before NL added the same one: no correlation then.
        var missed = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"),
            new DataRestricted(Theirs, Identifier, Text(Theirs, "r"), Basis, Party(Opened(Theirs, Be)), []), Opened(Mine, Nl), Added(Mine, "offender@example.com"));
        var found = new CorrelationFound(Key, IdentifierKind.EmailAddress, Party(Opened(Theirs, Be)), Party(Opened(Mine, Nl)));
        var outcome = missed.When(Lift(Theirs, Be, r => r.IdentifierKey = Key))
            .Then(new RestrictionLifted(Theirs, Identifier, Text(Theirs, "accuracy confirmed"), Party(Opened(Theirs, Be)), []), found);
        Assert.Equal(1, outcome.Result<CommandResult>().Correlations);

        // The same for a whole case.
        var wholeCase = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"),
            new DataRestricted(Theirs, RestrictedData.WholeCase, Text(Theirs, "r"), Basis, Party(Opened(Theirs, Be)), []), Opened(Mine, Nl), Added(Mine, "offender@example.com"));
        wholeCase.When(Lift(Theirs, Be, r => r.WholeCase = true))
            .Then(new RestrictionLifted(Theirs, RestrictedData.WholeCase, Text(Theirs, "accuracy confirmed"), Party(Opened(Theirs, Be)), []), found);

        // A pair recorded before the restriction is not found again; its units learn that the restriction ended.
        Correlated.And(new DataRestricted(Theirs, Identifier, Text(Theirs, "r"), Basis, Party(Opened(Theirs, Be)), []))
            .When(Lift(Theirs, Be, r => r.IdentifierKey = Key))
            .Then(new RestrictionLifted(Theirs, Identifier, Text(Theirs, "accuracy confirmed"), Party(Opened(Theirs, Be)), [new RestrictionRecipient("NL-TBKK", Mine, Key)]));

        // An identifier lifted while its case stays restricted still correlates with nothing.
        missed.And(new DataRestricted(Theirs, RestrictedData.WholeCase, Text(Theirs, "r"), Basis, Party(Opened(Theirs, Be)), []))
            .When(Lift(Theirs, Be, r => r.IdentifierKey = Key))
            .Then(new RestrictionLifted(Theirs, Identifier, Text(Theirs, "accuracy confirmed"), Party(Opened(Theirs, Be)), []));
    }

    [Fact]
    public void Lifting_what_is_not_restricted_appends_nothing() =>
        Correlated.When(Lift(Mine, Nl, r => r.WholeCase = true)).Then();
}
