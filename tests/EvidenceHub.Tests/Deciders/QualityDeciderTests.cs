using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Victims;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using AgeBand = EvidenceHub.Hub.Victims.AgeBand;
using Grading = EvidenceHub.Hub.Quality.Grading;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using InformationCredibility = EvidenceHub.Hub.Quality.InformationCredibility;
using InformationNature = EvidenceHub.Hub.Quality.InformationNature;
using SourceReliability = EvidenceHub.Hub.Quality.SourceReliability;

namespace EvidenceHub.Tests.Deciders;

/// Grading (SIENA 4×4, fact or assessment) and rectification (CorrectVictimLink, ReplaceSuspectIdentifier).
public sealed class QualityDeciderTests
{
    private static readonly Guid Mine = Guid.NewGuid(), Theirs = Guid.NewGuid(), Third = Guid.NewGuid();
    private static readonly string Wrong = MatchKey("email:offender@exampel.com"), Right = MatchKey("email:offender@example.com");

    private static readonly Grading B2Fact = new(SourceReliability.B, InformationCredibility.KnownPersonallyToTheSource, InformationNature.Fact);
    private static readonly Grading A1Fact = new(SourceReliability.A, InformationCredibility.KnownTrueWithoutReservation, InformationNature.Fact);

    private static Contracts.V1.Grading Proto(Grading grading) => GradingMapping.ToProto(grading);

    private static CaseParty Party(CaseOpened opened) => CaseParty.Of(CaseFile.Evolve(null, opened, DeciderSpec.Now)!);

    private static AddSuspectIdentifier Add(Guid caseId, Caller by, string email, Contracts.V1.Grading? grading) =>
        AddSuspectIdentifier.From(new AddSuspectIdentifierRequest { CommandId = NewCommandId(), CaseId = caseId.ToString(), Identifier = Email(email), Grading = grading },
            by, On(caseId), new CorrelationOptions(), new CaseLimits(), Pseudonyms);

    private static SuspectIdentifierAdded Graded(Guid caseId, string email, Grading? grading) => Added(caseId, email) with { Grading = grading };

    private static RegradeData RegradeIdentifier(Caller by, string key, Contracts.V1.Grading? grading) =>
        RegradeData.From(new RegradeDataRequest { CommandId = NewCommandId(), IdentifierKey = key, Grading = grading, Reason = "source confirmed" }, by, On(Mine), Pseudonyms);

    private static RegradeData RegradeVictim(Caller by, Guid link, Contracts.V1.Grading? grading) =>
        RegradeData.From(new RegradeDataRequest { CommandId = NewCommandId(), VictimLinkId = link.ToString(), Grading = grading, Reason = "source confirmed" }, by, On(Mine), Pseudonyms);

    private static ReplaceSuspectIdentifier Replace(Caller by, string key, string email, Contracts.V1.Grading? grading = null) =>
        ReplaceSuspectIdentifier.From(new ReplaceSuspectIdentifierRequest
        {
            CommandId = NewCommandId(), IdentifierKey = key, Identifier = Email(email), Grading = grading, Reason = "typo in the domain",
        }, by, On(Mine), new CorrelationOptions(), Pseudonyms);

    // --- grading

    [Fact]
    public void An_identifier_carries_the_grading_the_unit_states()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl)).When(Add(Mine, Nl, "offender@example.com", Proto(B2Fact)))
            .Then(Graded(Mine, "offender@example.com", B2Fact));
        Assert.Equal(Proto(B2Fact), outcome.Result<CommandResult>().Identifier.Grading);
    }

    [Fact]
    public void An_ungraded_identifier_is_stored_without_one_and_shown_as_cannot_be_judged()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl)).When(Add(Mine, Nl, "offender@example.com", null)).Then(Added(Mine, "offender@example.com"));
        Assert.Equal(new Contracts.V1.Grading
        {
            SourceReliability = Contracts.V1.SourceReliability.X, InformationCredibility = Contracts.V1.InformationCredibility.CannotBeJudged, Nature = Contracts.V1.InformationNature.Assessment,
        }, outcome.Result<CommandResult>().Identifier.Grading);
    }

    [Fact]
    public void A_grading_field_left_out_is_cannot_be_judged_and_one_out_of_range_is_refused()
    {
        DeciderSpec.Given(Opened(Mine, Nl)).When(Add(Mine, Nl, "offender@example.com", new Contracts.V1.Grading { SourceReliability = Contracts.V1.SourceReliability.B }))
            .Then(Graded(Mine, "offender@example.com", Grading.NotStated with { Source = SourceReliability.B }));
        DeciderSpec.WhenBuilding(() => Add(Mine, Nl, "offender@example.com", new Contracts.V1.Grading { SourceReliability = (Contracts.V1.SourceReliability)9 }))
            .ThenRejected(StatusCode.InvalidArgument, "grading.source_reliability");
        DeciderSpec.WhenBuilding(() => Add(Mine, Nl, "offender@example.com", new Contracts.V1.Grading { Nature = (Contracts.V1.InformationNature)3 }))
            .ThenRejected(StatusCode.InvalidArgument, "grading.nature");
    }

    [Fact]
    public void A_victim_link_carries_its_grading()
    {
        var link = LinkVictim.From(new LinkVictimRequest
        {
            CommandId = NewCommandId(), VictimReference = "V-1", AgeBand = Contracts.V1.AgeBand._13To15, Country = "NL", Grading = Proto(B2Fact),
        }, Nl, On(Mine), DeciderSpec.Now, new CaseLimits(), Pseudonyms);
        DeciderSpec.Given(Opened(Mine, Nl)).When(link).Then(Sample.Linked(Mine, link.NewLinkId, "V-1", AgeBand.From13To15, "NL", grading: B2Fact));
    }

    [Fact]
    public void A_correlation_carries_each_side_s_grading()
    {
        var theirs = Opened(Theirs, Be);
        DeciderSpec.Given(theirs, Graded(Theirs, "offender@example.com", B2Fact), Opened(Mine, Nl))
            .When(Add(Mine, Nl, "offender@example.com", Proto(A1Fact)))
            .Then(Graded(Mine, "offender@example.com", A1Fact),
                new CorrelationFound(Right, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(theirs), A1Fact, B2Fact));
    }

    [Fact]
    public void Regrading_an_identifier_tells_every_unit_told_of_it_through_the_case()
    {
        var given = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Third, Ca), Opened(Mine, Nl), Added(Mine, "offender@example.com"),
            new CorrelationFound(Right, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(Opened(Theirs, Be))));
        given.When(RegradeIdentifier(Nl, Right, Proto(A1Fact))).Then(
            new IdentifierRegraded(Mine, Right, A1Fact, Text(Mine, "source confirmed")),
            new CorrelationRegraded(Right, Party(Opened(Mine, Nl)), A1Fact, Text((Party(Opened(Mine, Nl))).CaseId, "source confirmed"), [new CorrelationRetracted.Recipient("BE-FCCU", Theirs)]));
        // Its grading again is no change.
        given.And(new IdentifierRegraded(Mine, Right, A1Fact, Text(Mine, "source confirmed"))).When(RegradeIdentifier(Nl, Right, Proto(A1Fact))).Then();
    }

    [Fact]
    public void Regrading_an_identifier_nobody_was_told_of_tells_nobody()
    {
        DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "offender@example.com"))
            .When(RegradeIdentifier(Nl, Right, Proto(B2Fact))).Then(new IdentifierRegraded(Mine, Right, B2Fact, Text(Mine, "source confirmed")));
    }

    [Fact]
    public void Regrading_a_victim_link_changes_the_case_file_only()
    {
        var link = Guid.NewGuid();
        var linked = Sample.Linked(Mine, link, "V-1", AgeBand.Adult, "NL");
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), linked).When(RegradeVictim(Nl, link, Proto(B2Fact)))
            .Then(new VictimLinkRegraded(Mine, link, B2Fact, Text(Mine, "source confirmed")));
        var file = CaseFile.Evolve(CaseFile.Evolve(CaseFile.Evolve(null, Opened(Mine, Nl), DeciderSpec.Now), linked, DeciderSpec.Now), outcome.Decision!.Events[0], DeciderSpec.Now)!;
        Assert.Equal(B2Fact, Assert.Single(file.Victims).Grading);
    }

    [Fact]
    public void Regrading_is_the_owner_s_and_names_what_it_regrades()
    {
        var given = DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "offender@example.com"));
        given.When(RegradeIdentifier(Be, Right, Proto(B2Fact))).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        given.When(RegradeIdentifier(Nl, Wrong, Proto(B2Fact))).ThenRejected(StatusCode.NotFound, "identifier_key");
        given.When(RegradeVictim(Nl, Guid.NewGuid(), Proto(B2Fact))).ThenRejected(StatusCode.NotFound, "victim_link_id");
        DeciderSpec.WhenBuilding(() => RegradeIdentifier(Nl, Right, null)).ThenRejected(StatusCode.InvalidArgument, "grading");
        DeciderSpec.WhenBuilding(() => RegradeData.From(new RegradeDataRequest { CommandId = NewCommandId(), Grading = Proto(B2Fact), Reason = "r" }, Nl, On(Mine), Pseudonyms))
            .ThenRejected(StatusCode.InvalidArgument, "identifier_key");
        DeciderSpec.WhenBuilding(() => RegradeData.From(new RegradeDataRequest { CommandId = NewCommandId(), IdentifierKey = Right, Grading = Proto(B2Fact) }, Nl, On(Mine), Pseudonyms))
            .ThenRejected(StatusCode.InvalidArgument, "reason");
    }

    // --- rectification: victim links

    private static readonly Guid Link = Guid.NewGuid();
    private static readonly VictimLinked Linked = Sample.Linked(Mine, Link, "V-1", AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11));

    private static CorrectVictimLink Correct(Caller by, Action<CorrectVictimLinkRequest> set)
    {
        var request = new CorrectVictimLinkRequest { CommandId = NewCommandId(), VictimLinkId = Link.ToString(), Reason = "age band typed wrong" };
        set(request);
        return CorrectVictimLink.From(request, by, On(Mine), DeciderSpec.Now, Pseudonyms);
    }

    [Fact]
    public void A_correction_names_the_details_before_and_after()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "offender@example.com"), Linked)
            .When(Correct(Nl, r => { r.AgeBand = Contracts.V1.AgeBand.Under13; r.Country = "be"; r.ContactedBy = Right; }))
            .Then(new VictimLinkCorrected(Mine, Link,
                new VictimDetails(AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11), null),
                new VictimDetails(AgeBand.Under13, "BE", new DateOnly(2025, 2, 11), ContactOf(Linked, Right)), LinkText(Mine, Link, "age band typed wrong")));
        var file = CaseFile.Evolve(CaseFile.Evolve(null, Opened(Mine, Nl), DeciderSpec.Now), Linked, DeciderSpec.Now);
        var victim = Assert.Single(CaseFile.Evolve(file, outcome.Decision!.Events[0], DeciderSpec.Now)!.Victims);
        Assert.Equal((AgeBand.Under13, "BE", Right, "age band typed wrong"),
            (victim.AgeBand, victim.Country, victim.ContactedBy!.Open(KeysOf(Linked), nameof(VictimLinked.ContactedBy)),
                victim.CorrectionReason!.Open(KeysOf(Linked), nameof(VictimLinkCorrected.Reason))));
        // Sealed under the link's own subject, never written in clear.
        Assert.Equal(Linked.Subject, victim.ContactedBy!.Subject);
        Assert.DoesNotContain(Right, System.Text.Json.JsonSerializer.Serialize(outcome.Decision.Events[0]));
    }

    [Fact]
    public void A_first_contact_date_or_contacting_identifier_can_be_cleared()
    {
        var linked = Linked with { ContactedBy = ContactOf(Linked, Right) };
        DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "offender@example.com"), linked)
            .When(Correct(Nl, r => { r.ClearFirstContactDate = true; r.ContactedBy = ""; }))
            .Then(new VictimLinkCorrected(Mine, Link, new VictimDetails(AgeBand.From13To15, "NL", new DateOnly(2025, 2, 11), ContactOf(Linked, Right)),
                new VictimDetails(AgeBand.From13To15, "NL", null, null), LinkText(Mine, Link, "age band typed wrong")));
    }

    [Fact]
    public void Details_already_as_stated_are_no_correction()
    {
        DeciderSpec.Given(Opened(Mine, Nl), Linked).When(Correct(Nl, r => r.Country = "NL")).Then();
    }

    [Fact]
    public void A_correction_is_the_owner_s_and_must_correct_something_real()
    {
        var given = DeciderSpec.Given(Opened(Mine, Nl), Linked);
        given.When(Correct(Be, r => r.Country = "BE")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        given.When(Correct(Nl, r => r.ContactedBy = Right)).ThenRejected(StatusCode.InvalidArgument, "contacted_by");
        DeciderSpec.Given(Opened(Mine, Nl)).When(Correct(Nl, r => r.Country = "BE")).ThenRejected(StatusCode.NotFound, "victim_link_id");
        DeciderSpec.WhenBuilding(() => Correct(Nl, _ => { })).ThenRejected(StatusCode.InvalidArgument, "age_band");
        DeciderSpec.WhenBuilding(() => Correct(Nl, r => r.Country = "XX")).ThenRejected(StatusCode.InvalidArgument, "country");
        DeciderSpec.WhenBuilding(() => Correct(Nl, r => r.FirstContactDate = new Google.Type.Date { Year = 2099, Month = 1, Day = 1 }))
            .ThenRejected(StatusCode.InvalidArgument, "first_contact_date");
        DeciderSpec.WhenBuilding(() => Correct(Nl, r => { r.Country = "BE"; r.Reason = ""; })).ThenRejected(StatusCode.InvalidArgument, "reason");
    }

    // --- rectification: identifiers

    private static DeciderSpec CorrelatedOnTheWrongValue() => DeciderSpec.Given(
        Opened(Theirs, Be), Graded(Theirs, "offender@exampel.com", B2Fact), Opened(Third, Ca), Added(Third, "offender@example.com"),
        Opened(Mine, Nl), Graded(Mine, "offender@exampel.com", A1Fact),
        new CorrelationFound(Wrong, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(Opened(Theirs, Be)), A1Fact, B2Fact));

    [Fact]
    public void A_replaced_identifier_is_retracted_naming_its_correction_which_is_added_and_correlated()
    {
        var outcome = CorrelatedOnTheWrongValue().When(Replace(Nl, Wrong, "offender@example.com"));
        var retracted = Assert.IsType<SuspectIdentifierRetracted>(outcome.Decision!.Events[0]);
        Assert.Equal((Wrong, Right, "typo in the domain"), (retracted.Key, retracted.ReplacedBy, retracted.Reason.Open(new Hub.Erasure.SubjectKeyRing(outcome.Keys), "Reason")));
        var retraction = Assert.IsType<CorrelationRetracted>(outcome.Decision.Events[1]);
        Assert.Equal((Wrong, Right, Mine), (retraction.Key, retraction.ReplacedBy, retraction.Retracting.CaseId));
        Assert.Equal(new CorrelationRetracted.Recipient("BE-FCCU", Theirs), Assert.Single(retraction.Recipients));
        // The correction keeps the grading of what it corrects, and correlates as any new identifier.
        var correction = Assert.IsType<SuspectIdentifierAdded>(outcome.Decision.Events[2]);
        Assert.Equal((Right, (Grading?)A1Fact, "offender@example.com"), (correction.Key, correction.Grading,
            correction.CanonicalValue.Open(new Hub.Erasure.SubjectKeyRing(outcome.Keys), nameof(SuspectIdentifierAdded.CanonicalValue))));
        var found = Assert.IsType<CorrelationFound>(outcome.Decision.Events[3]);
        Assert.Equal((Right, Third, (Grading?)A1Fact), (found.Key, found.Holding.CaseId, found.AddingGrading));
        Assert.Equal(4, outcome.Decision.Events.Count);
        Assert.Equal(("email:offender@example.com", Right, 1), (outcome.Result<CommandResult>().Identifier.Key, outcome.Result<CommandResult>().Identifier.Pseudonym, outcome.Result<CommandResult>().Correlations));
    }

    [Fact]
    public void A_recipient_whose_case_holds_the_correction_may_learn_it()
    {
        var outcome = CorrelatedOnTheWrongValue().And(Added(Theirs, "offender@example.com")).When(Replace(Nl, Wrong, "offender@example.com", Proto(B2Fact)));
        var retraction = Assert.IsType<CorrelationRetracted>(outcome.Decision!.Events[1]);
        Assert.Equal(new CorrelationRetracted.Recipient("BE-FCCU", Theirs, HoldsReplacement: true), Assert.Single(retraction.Recipients));
        Assert.Equal(B2Fact, Assert.IsType<SuspectIdentifierAdded>(outcome.Decision.Events[2]).Grading);
    }

    [Fact]
    public void A_correction_the_case_holds_already_only_retracts_the_wrong_value()
    {
        var outcome = CorrelatedOnTheWrongValue().And(Added(Mine, "offender@example.com")).When(Replace(Nl, Wrong, "offender@example.com"));
        Assert.Equal([typeof(SuspectIdentifierRetracted), typeof(CorrelationRetracted)], outcome.Decision!.Events.Select(e => e.GetType()));
    }

    [Fact]
    public void A_victim_contacted_by_the_wrong_value_was_contacted_by_its_correction()
    {
        var link = Sample.Linked(Mine, Guid.NewGuid(), "V-1", AgeBand.Adult, "NL", null, Wrong);
        var other = Sample.Linked(Mine, Guid.NewGuid(), "V-2", AgeBand.Adult, "NL");
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "offender@exampel.com"), link, other).When(Replace(Nl, Wrong, "offender@example.com"));
        var retracted = Assert.IsType<SuspectIdentifierRetracted>(outcome.Decision!.Events[0]);
        // The replacement is sealed under the link's own subject: what the event says of the link is not in clear.
        var recontacted = Assert.Single(retracted.Recontacted!);
        Assert.Equal((link.VictimLinkId, link.Subject), (recontacted.VictimLinkId, recontacted.ContactedBy.Subject));
        Assert.DoesNotContain("offender@example.com", System.Text.Json.JsonSerializer.Serialize(recontacted));
        var file = CaseFile.Evolve(CaseFile.Evolve(CaseFile.Evolve(null, Opened(Mine, Nl), DeciderSpec.Now), link, DeciderSpec.Now), other, DeciderSpec.Now);
        var after = CaseFile.Evolve(file, retracted, DeciderSpec.Now)!;
        // Sealed as the owner names it (its canonical key), matched by its pseudonym.
        Assert.Equal("email:offender@example.com", after.Victims[0].ContactedBy!.Open(KeysOf(link), nameof(VictimLinked.ContactedBy)));
        Assert.Equal(link.Subject, after.Victims[0].ContactedBy!.Subject);
        Assert.Null(after.Victims[1].ContactedBy);
    }

    [Fact]
    public void A_replacement_is_the_owner_s_and_must_replace_a_held_identifier_by_another()
    {
        var given = CorrelatedOnTheWrongValue();
        given.When(Replace(Be, Wrong, "offender@example.com")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        given.When(Replace(Nl, Right, "offender@example.net")).ThenRejected(StatusCode.NotFound, "identifier_key");
        given.When(Replace(Nl, Wrong, "Offender@Exampel.com")).ThenRejected(StatusCode.InvalidArgument, "identifier");
        given.When(Replace(Nl, Wrong, "no at sign")).ThenRejected(StatusCode.InvalidArgument, "identifier.value");
        DeciderSpec.WhenBuilding(() => ReplaceSuspectIdentifier.From(new ReplaceSuspectIdentifierRequest
        {
            CommandId = NewCommandId(), IdentifierKey = Wrong, Identifier = Email("offender@example.com"),
        }, Nl, On(Mine), new CorrelationOptions(), Pseudonyms)).ThenRejected(StatusCode.InvalidArgument, "reason");
    }
}
