using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using ErasureBasis = EvidenceHub.Hub.Erasure.ErasureBasis;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Tests.Deciders;

/// EraseSuspectIdentifier: the owner erases its case's holding of an identifier; the decider names the subject whose
/// key the engine destroys, and tells every unit told of a correlation on it, never with the value.
public sealed class IdentifierErasureDeciderTests
{
    private static readonly Guid Mine = Guid.NewGuid();
    private static readonly Guid Theirs = Guid.NewGuid();
    private const string CanonicalKey = "email:offender@example.com";
    private static readonly SuspectIdentifierAdded Held = Added(Mine, "offender@example.com");

    private static EraseSuspectIdentifier Erase(Caller by, string key = CanonicalKey, Action<EraseSuspectIdentifierRequest>? change = null)
    {
        var request = new EraseSuspectIdentifierRequest
        {
            CommandId = NewCommandId(), CaseId = Mine.ToString(), IdentifierKey = key, Reason = "added to the wrong case",
            LegalBasis = Contracts.V1.ErasureBasis.UnlawfulProcessing,
        };
        change?.Invoke(request);
        return EraseSuspectIdentifier.From(request, by, On(Mine), Pseudonyms);
    }

    private static CaseParty Party(CaseOpened opened) => CaseParty.Of(CaseFile.Evolve(null, opened, DeciderSpec.Now)!);

    [Fact]
    public void The_owner_erases_a_held_identifier_by_its_subject_and_pseudonym_never_its_value()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Held).When(Erase(Nl))
            .Then(new SuspectIdentifierErased(Mine, Held.Key, Held.Subject, IdentifierKind.EmailAddress, ErasureBasis.UnlawfulProcessing, "added to the wrong case"));
        // The engine destroys this subject's key and drops the fingerprints of the receipts about it.
        Assert.Equal(Held.Subject, outcome.Decision!.Subject);
        var erased = Assert.IsType<SuspectIdentifierErased>(Assert.Single(outcome.Decision.Events));
        Assert.IsAssignableFrom<IErasesSubject>(erased);
        Assert.DoesNotContain("offender", System.Text.Json.JsonSerializer.Serialize(erased));
    }

    [Fact]
    public void The_identifier_may_be_named_by_its_pseudonym()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Held).When(Erase(Nl, Held.Key));
        Assert.Equal(Held.Subject, Assert.IsType<SuspectIdentifierErased>(Assert.Single(outcome.Decision!.Events)).Subject);
    }

    [Fact]
    public void Every_unit_told_of_a_correlation_gets_an_erasure_notice_at_the_other_case_s_owner_now()
    {
        var handoff = Guid.NewGuid();
        var outcome = DeciderSpec.Given(Opened(Theirs, Be), Added(Theirs, "offender@example.com"), Opened(Mine, Nl), Held,
                new CorrelationFound(Held.Key, IdentifierKind.EmailAddress, Party(Opened(Mine, Nl)), Party(Opened(Theirs, Be))),
                new HandoffRequested(Theirs, handoff, "BE-FCCU", "CA-RCMP-NCECC", Text(Theirs, "lead"), DeciderSpec.Now.AddDays(1)),
                new HandoffAccepted(Theirs, handoff, "BE-FCCU", "CA-RCMP-NCECC", "CA"))
            .When(Erase(Nl));
        var notice = Assert.IsType<CorrelationRetracted>(outcome.Decision!.Events[1]);
        Assert.True(notice.Erased);
        Assert.Equal((Held.Key, Mine, null), (notice.Key, notice.Retracting.CaseId, notice.ReplacedBy));
        Assert.Equal([new CorrelationRetracted.Recipient("CA-RCMP-NCECC", Theirs)], notice.Recipients);
        // The owner's reason is its own: recipients learn only that the holding was erased.
        Assert.Null(notice.Reason);
    }

    [Fact]
    public void Only_the_owner_erases_and_only_what_its_case_holds()
    {
        var given = DeciderSpec.Given(Opened(Mine, Nl), Held);
        given.When(Erase(Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        given.When(Erase(Nl, "email:someone.else@example.com")).ThenRejected(StatusCode.NotFound, "identifier_key");
        // Erased already: nothing is held to erase.
        given.And(new SuspectIdentifierErased(Mine, Held.Key, Held.Subject, IdentifierKind.EmailAddress, ErasureBasis.RetentionExpired, "r"))
            .When(Erase(Nl)).ThenRejected(StatusCode.NotFound, "identifier_key");
    }

    [Fact]
    public void An_erased_value_added_again_is_a_new_holding_under_a_new_subject()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl), Held,
                new SuspectIdentifierErased(Mine, Held.Key, Held.Subject, IdentifierKind.EmailAddress, ErasureBasis.UnlawfulProcessing, "r"))
            .When(IdentifierDeciderTests.Add(Mine, Nl, Email("offender@example.com")));
        var again = Assert.IsType<SuspectIdentifierAdded>(Assert.Single(outcome.Decision!.Events));
        Assert.Equal(Held.Key, again.Key);
        Assert.NotEqual(Held.Subject, again.Subject);
    }

    [Theory]
    [InlineData("identifier_key")]
    [InlineData("reason")]
    [InlineData("legal_basis")]
    public void A_request_without_what_to_erase_why_or_on_which_basis_is_refused_naming_the_field(string field) =>
        DeciderSpec.WhenBuilding(() => Erase(Nl, change: r =>
        {
            if (field == "identifier_key") r.IdentifierKey = "";
            if (field == "reason") r.Reason = "";
            if (field == "legal_basis") r.LegalBasis = Contracts.V1.ErasureBasis.Unspecified;
        })).ThenRejected(StatusCode.InvalidArgument, field);
}
