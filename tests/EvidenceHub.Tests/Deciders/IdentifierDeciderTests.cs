using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Erasure;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Tests.Deciders;

public sealed class IdentifierDeciderTests
{
    private static readonly Guid Mine = Guid.NewGuid();
    private static readonly Guid Theirs = Guid.NewGuid();

    public static AddSuspectIdentifier Add(Guid caseId, Caller by, SuspectIdentifierInput identifier, CorrelationOptions? options = null, CaseLimits? limits = null) =>
        AddSuspectIdentifier.From(new AddSuspectIdentifierRequest { CommandId = NewCommandId(), CaseId = caseId.ToString(), Identifier = identifier }, by, On(caseId),
            options ?? new CorrelationOptions(), limits ?? new CaseLimits(), Pseudonyms);

    public static RetractSuspectIdentifier Retract(Guid caseId, Caller by, string key) =>
        RetractSuspectIdentifier.From(new RetractSuspectIdentifierRequest { CommandId = NewCommandId(), IdentifierKey = key, Reason = "typo" }, by, On(caseId), Pseudonyms);

    [Fact]
    public void An_identifier_is_stored_canonically_against_the_case_country()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl))
            .When(Add(Mine, Nl, new SuspectIdentifierInput { Kind = Contracts.V1.IdentifierKind.PhoneNumber, Value = "06-12345678" }))
            .Then(Added(Mine, new RawIdentifier(IdentifierKind.PhoneNumber, "06-12345678")));
        var added = Assert.IsType<SuspectIdentifierAdded>(outcome.Decision!.Events[0]);
        // Matched by pseudonym, the value sealed: the answer shows the owner its own value.
        Assert.Equal((MatchKey("phone:+31612345678"), SubjectKind.IdentifierHolding), (added.Key, Assert.Single(outcome.Keys, k => k.Subject == added.Subject).Kind));
        Assert.Equal(("phone:+31612345678", "+31612345678", MatchKey("phone:+31612345678"), 0, false), (outcome.Result<CommandResult>().Identifier.Key,
            outcome.Result<CommandResult>().Identifier.CanonicalValue, outcome.Result<CommandResult>().Identifier.Pseudonym, outcome.Result<CommandResult>().Correlations, outcome.Result<CommandResult>().Common));
    }

    [Fact]
    public void The_same_identifier_twice_is_one()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "offender@example.com"))
            .When(Add(Mine, Nl, Email("Offender@Example.com"))).Then();
        Assert.Equal("email:offender@example.com", outcome.Result<CommandResult>().Identifier.Key);
    }

    [Fact]
    public void Only_the_owner_adds_and_only_to_an_open_case()
    {
        DeciderSpec.Given(Opened(Mine, Nl)).When(Add(Mine, Be, Email("a@example.com"))).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        DeciderSpec.Given(Opened(Mine, Nl), new CaseClosed(Mine, Text(Mine, "done"))).When(Add(Mine, Nl, Email("a@example.com"))).ThenRejected(StatusCode.FailedPrecondition, "CASE_CLOSED");
    }

    [Fact]
    public void A_case_holds_at_most_the_configured_number_of_identifiers()
    {
        var limits = new CaseLimits { MaxActiveIdentifiers = 1 };
        DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "first@example.com")).When(Add(Mine, Nl, Email("second@example.com"), limits: limits))
            .ThenRejected(StatusCode.FailedPrecondition, CaseLimitReached.IdentifierReason);
        // A retracted identifier no longer counts.
        DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "first@example.com"), Retracted(Added(Mine, "first@example.com"), "typo"))
            .When(Add(Mine, Nl, Email("second@example.com"), limits: limits))
            .Then(Added(Mine, "second@example.com"));
    }

    [Fact]
    public void A_value_that_is_no_identifier_is_refused_naming_its_field() =>
        DeciderSpec.Given(Opened(Mine, Nl)).When(Add(Mine, Nl, Email("no at sign"))).ThenRejected(StatusCode.InvalidArgument, "identifier.value");

    [Fact]
    public void A_retraction_withdraws_the_identifier_as_the_case_held_it()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "a@example.com")).When(Retract(Mine, Nl, "email:a@example.com"));
        var retracted = Assert.IsType<SuspectIdentifierRetracted>(Assert.Single(outcome.Decision!.Events));
        var keys = new SubjectKeyRing(outcome.Keys);
        Assert.Equal((MatchKey("email:a@example.com"), "typo", "a@example.com"), (retracted.Key, retracted.Reason.Open(keys, nameof(SuspectIdentifierRetracted.Reason)),
            retracted.Identifier!.RawValue.Open(keys, nameof(SuspectIdentifierAdded.RawValue))));
    }

    [Fact]
    public void Retracting_what_the_case_does_not_hold_is_refused()
    {
        DeciderSpec.Given(Opened(Mine, Nl)).When(Retract(Mine, Nl, "email:a@example.com")).ThenRejected(StatusCode.NotFound, "identifier_key");
        DeciderSpec.Given(Opened(Mine, Nl), Added(Mine, "a@example.com")).When(Retract(Mine, Be, "email:a@example.com")).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }

    [Fact]
    public void A_retraction_reaches_every_case_told_of_a_correlation_at_its_owner_now()
    {
        var handoff = Guid.NewGuid();
        var key = "email:a@example.com";
        var matchKey = MatchKey(key);
        var theirsThen = CaseParty.Of(Fold(Opened(Theirs, Be)));
        var outcome = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "a@example.com"), Opened(Mine, Nl), Added(Mine, "a@example.com"),
                new CorrelationFound(matchKey, IdentifierKind.EmailAddress, CaseParty.Of(Fold(Opened(Mine, Nl))), theirsThen),
                // The other case moved to Canada since it was told.
                new HandoffRequested(Theirs, handoff, "BE-FCCU", "CA-RCMP-NCECC", Text(Theirs, "lead"), DeciderSpec.Now.AddDays(1)),
                new HandoffAccepted(Theirs, handoff, "BE-FCCU", "CA-RCMP-NCECC", "CA"))
            .When(Retract(Mine, Nl, key));
        var retraction = Assert.IsType<CorrelationRetracted>(outcome.Decision!.Events[1]);
        Assert.Equal([new CorrelationRetracted.Recipient("CA-RCMP-NCECC", Theirs)], retraction.Recipients);
    }

    private static CaseFile Fold(CaseOpened opened) => CaseFile.Evolve(null, opened, DeciderSpec.Now)!;
}
