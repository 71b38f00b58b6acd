using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Takedown;
using Grpc.Core;
using static EvidenceHub.Tests.Deciders.Sample;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

/// Filing a takedown request and a provider's answers, without a database.
public sealed class TakedownDeciderTests
{
    private static readonly Guid Mine = Guid.NewGuid();
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string Md5 = "098f6bcd4621d373cade4e832627b4f6";
    private const string OtherSha = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    private const string Hoster = "NL-HOSTER-1";

    private static readonly UnitRegistry Registry = new([
        .. Units.All, new UnitRegistration(Hoster, "NL", [Roles.Provider]), new UnitRegistration("NL-HOSTER-2", "NL", [Roles.Provider]),
    ]);

    private static readonly Caller Provider = new(Hoster, "NL", [Roles.Provider], "abuse-desk", "CN=" + Hoster);
    private static readonly Caller OtherProvider = new("NL-HOSTER-2", "NL", [Roles.Provider], "abuse-desk", "CN=NL-HOSTER-2");

    private static readonly MediaAdded Image = new(Mine, ["sha256:" + Sha, "md5:" + Md5], null, 0, true, false, true, 2, null);
    private static readonly MediaAdded Other = new(Mine, ["sha256:" + OtherSha], null, 0, false, false, true, 1, null);

    private static DeciderSpec Case() => DeciderSpec.Given(Opened(Mine, Nl, Tlp.Red), Added(Image, Image.Keys[0]), Added(Image, Image.Keys[1]), Image,
        Added(Other, Other.Keys[0]), Other);

    /// The media's hash held as an identifier of its case, as AddMedia adds it (file hashes keep their canonical key).
    private static Hub.Identifiers.SuspectIdentifierAdded Added(MediaAdded media, string key)
    {
        var colon = key.IndexOf(':');
        var kind = key[..colon] switch { "sha256" => Hub.Identifiers.IdentifierKind.FileHashSha256, _ => Hub.Identifiers.IdentifierKind.FileHashMd5 };
        return Sample.Added(media.CaseId, new Hub.Identifiers.RawIdentifier(kind, key[(colon + 1)..]));
    }

    private static FileTakedownRequestRequest Request(params string[] media) => new()
    {
        CommandId = NewCommandId(), CaseId = Mine.ToString(), Provider = Hoster, Media = { media },
        Locations = { "https://files.example.nl/u/8812/img.jpg" }, Note = "Please remove: a minor's image, distributed without consent.",
    };

    /// The filing as the engine prepares it: with the provider's open requests and the case's media records read.
    private static FileTakedownRequest Filing(FileTakedownRequestRequest request, Caller? by = null, IReadOnlyDictionary<string, DateTimeOffset>? open = null,
        params MediaAdded[] onCase) =>
        FileTakedownRequest.From(request, by ?? Nl, On(Mine), Registry, new TakedownOptions()) with
        {
            OpenAtProvider = open ?? new Dictionary<string, DateTimeOffset>(),
            CaseMedia = (onCase.Length == 0 ? [Image, Other] : onCase).Select(m => MediaRecord.From(m, DeciderSpec.Now)).ToList(),
        };

    [Fact]
    public void A_filing_sends_the_hashes_category_and_locations_of_the_media_named_on_a_stream_of_its_own()
    {
        var filing = Filing(Request(Sha));
        var outcome = Case().When(filing);
        outcome.Then(new TakedownFiled(filing.NewRequestId, Mine, "NL-TBKK", "NL", Hoster, [new TakedownItem(Image.Keys, 2)],
            ["https://files.example.nl/u/8812/img.jpg"], Note(Mine, "Please remove: a minor's image, distributed without consent."), DeciderSpec.Now));
        Assert.Equal(filing.NewRequestId, ((Hub.Commands.IHubStreamEvent)outcome.Decision!.Events[0]).StreamId);
        Assert.Equal(filing.NewRequestId.ToString(), outcome.Result<FileTakedownRequestResult>().RequestId);
        Assert.Empty(outcome.Result<FileTakedownRequestResult>().AlreadyOpen);
        Assert.Contains("never the case", outcome.Decision.Record!.Disclosed);
    }

    [Fact]
    public void A_media_record_named_twice_or_by_another_of_its_hashes_is_sent_once()
    {
        var filing = Filing(Request(Sha, "md5:" + Md5.ToUpperInvariant()));
        var filed = Assert.IsType<TakedownFiled>(Assert.Single(Case().When(filing).Decision!.Events));
        Assert.Single(filed.Material);
    }

    [Fact]
    public void Material_with_an_open_request_at_the_provider_is_not_sent_again_and_the_answer_says_only_since_when()
    {
        var since = DeciderSpec.Now.AddDays(-2);
        var both = Case().When(Filing(Request(Sha, OtherSha), open: new Dictionary<string, DateTimeOffset> { ["md5:" + Md5] = since }));
        var filed = Assert.IsType<TakedownFiled>(Assert.Single(both.Decision!.Events));
        var sent = Assert.Single(filed.Material);
        Assert.Equal(Other.Keys, sent.Keys);
        Assert.Equal(1, sent.Category);
        var open = Assert.Single(both.Result<FileTakedownRequestResult>().AlreadyOpen);
        Assert.Equal((Sha, since), (open.Media, open.OpenSince.ToDateTimeOffset()));

        // Everything already open: no request at all, and nothing for the provider.
        var none = Case().When(Filing(Request(Sha), open: new Dictionary<string, DateTimeOffset> { ["sha256:" + Sha] = since }));
        Assert.Empty(none.Decision!.Events);
        Assert.Equal("", none.Result<FileTakedownRequestResult>().RequestId);
        Assert.Single(none.Result<FileTakedownRequestResult>().AlreadyOpen);
        Assert.Contains("nothing sent", none.Decision.Record!.Disclosed);
    }

    [Fact]
    public void The_owner_and_its_co_leads_file_other_units_are_refused_and_a_restricted_case_or_hash_is_refused()
    {
        Case().When(Filing(Request(Sha), Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
        var joint = Case().And(new CoLeadInvited(Mine, "NL-TBKK", "BE-FCCU", Text(Mine, "joint"), DeciderSpec.Now.AddHours(40)), new CoLeadJoined(Mine, "BE-FCCU", "NL-TBKK"));
        var byCoLead = Assert.IsType<TakedownFiled>(Assert.Single(joint.When(Filing(Request(Sha), Be)).Decision!.Events));
        Assert.Equal(("BE-FCCU", "BE"), (byCoLead.RequestingUnit, byCoLead.RequestingCountry));

        var party = Hub.Sharing.CaseParty.Of(Hub.Cases.CaseFile.Evolve(null, Opened(Mine, Nl, Tlp.Red), DeciderSpec.Now)!);
        Case().And(new DataRestricted(Mine, RestrictedData.WholeCase, Text(Mine, "x"), "y", party, [])).When(Filing(Request(Sha)))
            .ThenRejected(StatusCode.FailedPrecondition, "CASE_RESTRICTED");
        Case().And(new DataRestricted(Mine, new RestrictedData(RestrictionScope.Identifier, "md5:" + Md5), Text(Mine, "x"), "y", party, [])).When(Filing(Request(Sha)))
            .ThenRejected(StatusCode.FailedPrecondition, "MEDIA_RESTRICTED");
    }

    [Fact]
    public void Media_not_on_the_case_or_retracted_is_not_found_naming_its_field()
    {
        Case().When(Filing(Request(Sha, new string('c', 64)))).ThenRejected(StatusCode.NotFound, "media[1]");
        // A retracted record is no longer among the case's media records.
        Case().And(new MediaRetracted(Mine, Image.Keys, null, Text(Mine, "wrong case"))).When(Filing(Request(Sha), onCase: Other)).ThenRejected(StatusCode.NotFound, "media[0]");
    }

    [Theory]
    [InlineData("provider", "", Sha, "https://x.example/a")]
    [InlineData("provider", "US-HSI-C3", Sha, "https://x.example/a")]
    [InlineData("provider", "NO-SUCH-UNIT", Sha, "https://x.example/a")]
    [InlineData("media", Hoster, "", "https://x.example/a")]
    [InlineData("locations[0]", Hoster, Sha, "ftp://x.example/a")]
    [InlineData("locations[0]", Hoster, Sha, "not a url")]
    public void Bad_input_names_its_field(string field, string provider, string media, string location)
    {
        var request = Request();
        request.Provider = provider;
        if (media.Length > 0) request.Media.Add(media);
        request.Locations.Clear();
        request.Locations.Add(location);
        DeciderSpec.WhenBuilding(() => FileTakedownRequest.From(request, Nl, On(Mine), Registry, new TakedownOptions()))
            .ThenRejected(StatusCode.InvalidArgument, field);
    }

    private static TakedownRecord Record(params object[] events)
    {
        TakedownRecord? record = null;
        foreach (var e in events) record = TakedownRecord.Fold(record, e, "x", "y");
        return record!;
    }

    private static readonly Guid RequestId = Guid.CreateVersion7();
    private static readonly TakedownFiled Filed = new(RequestId, Mine, "NL-TBKK", "NL", Hoster, [new TakedownItem(Image.Keys, 2)], [], null, DeciderSpec.Now.AddDays(-3));

    /// The case's text key, as the service loads it beside the request.
    private static readonly Hub.Erasure.SubjectKeyRing Keys = new([TestKey(Mine, CaseSubjectOf(Mine))]);
    private static readonly Guid? Subject = CaseSubjectOf(Mine);

    private static Exception? Refusal(Func<object> decide)
    {
        try { decide(); return null; }
        catch (Exception e) { return e; }
    }

    private static (StatusCode, string?) Status(Exception? e) => e is Hub.Errors.Rejection r
        ? ((StatusCode)r.Status.Code, r.Status.GetDetail<Google.Rpc.ErrorInfo>()?.Reason ?? r.Status.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations[0].Field)
        : (StatusCode.Unknown, e?.Message);

    [Fact]
    public void A_provider_acknowledges_once_then_reports_removal_or_refuses_and_either_is_final()
    {
        var now = DeciderSpec.Now;
        var ack = new TakedownAnswer(TakedownAnswerKind.Acknowledge, RequestId, null);
        var acknowledged = Assert.IsType<TakedownAcknowledged>(ack.Decide(Record(Filed), Provider, Keys, Subject, now));
        var record = Record(Filed, acknowledged);
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_ACKNOWLEDGED"), Status(Refusal(() => ack.Decide(record, Provider, Keys, Subject, now))));

        var removed = Assert.IsType<TakedownRemoved>(new TakedownAnswer(TakedownAnswerKind.Removed, RequestId, "deleted").Decide(record, Provider, Keys, Subject, now));
        var final = Record(Filed, acknowledged, removed);
        Assert.Equal(TakedownState.Removed, final.Status);
        foreach (var again in new[] { ack, new TakedownAnswer(TakedownAnswerKind.Removed, RequestId, null), new TakedownAnswer(TakedownAnswerKind.Refuse, RequestId, "no") })
            Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_ANSWERED"), Status(Refusal(() => again.Decide(final, Provider, Keys, Subject, now))));

        // Refusing an unacknowledged request is final too.
        var refused = Record(Filed, new TakedownAnswer(TakedownAnswerKind.Refuse, RequestId, "not hosted here").Decide(Record(Filed), Provider, Keys, Subject, now));
        Assert.Equal((TakedownState.Refused, "not hosted here"), (refused.Status, Hub.Erasure.CaseText.Open(refused.Answer, Keys, "Reason")));
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_ANSWERED"), Status(Refusal(() => ack.Decide(refused, Provider, Keys, Subject, now))));
    }

    [Fact]
    public void Another_providers_request_answers_like_one_that_does_not_exist()
    {
        var ack = new TakedownAnswer(TakedownAnswerKind.Acknowledge, RequestId, null);
        var other = Refusal(() => ack.Decide(Record(Filed), OtherProvider, Keys, Subject, DeciderSpec.Now)) as Hub.Errors.Rejection;
        var missing = Refusal(() => ack.Decide(null, OtherProvider, Keys, Subject, DeciderSpec.Now)) as Hub.Errors.Rejection;
        Assert.Equal(StatusCode.NotFound, (StatusCode)other!.Status.Code);
        Assert.Equal(missing!.Status, other.Status);
    }

    [Fact]
    public void The_reason_of_a_refusal_is_required()
    {
        Assert.Equal((StatusCode.InvalidArgument, "reason"),
            Status(Refusal(() => TakedownAnswer.Refuse(new RefuseRequest { RequestId = RequestId.ToString(), Reason = "  " }))));
        Assert.Equal((StatusCode.InvalidArgument, "request_id"),
            Status(Refusal(() => TakedownAnswer.Refuse(new RefuseRequest { RequestId = "not-an-id", Reason = "no" }))));
    }

    [Fact]
    public void An_open_request_acknowledged_or_not_is_notified_again_an_interval_after_the_last_notice_and_never_once_answered()
    {
        var interval = TimeSpan.FromHours(24);
        var filed = Record(Filed);
        Assert.Null(TakedownAnswer.Renotify(filed, interval, Filed.At + interval - TimeSpan.FromSeconds(1)));
        var second = TakedownAnswer.Renotify(filed, interval, Filed.At + interval);
        Assert.Equal((2, false), (second!.Notification, second.Acknowledged));
        var renotified = Record(Filed, second);
        Assert.Null(TakedownAnswer.Renotify(renotified, interval, second.At + interval / 2));

        var acknowledged = Record(Filed, second, new TakedownAcknowledged(RequestId, Hoster, null, second.At));
        var third = TakedownAnswer.Renotify(acknowledged, interval, second.At + interval);
        Assert.Equal((3, true), (third!.Notification, third.Acknowledged));

        var removed = Record(Filed, second, new TakedownRemoved(RequestId, Hoster, null, second.At));
        Assert.Null(TakedownAnswer.Renotify(removed, interval, second.At + 10 * interval));
        var refused = Record(Filed, new TakedownRefused(RequestId, Hoster, Text(Mine, "no"), Filed.At));
        Assert.Null(TakedownAnswer.Renotify(refused, interval, Filed.At + 10 * interval));
    }

    /// The withdrawal as the engine prepares it: with the request read.
    private static WithdrawTakedownRequest Withdrawal(TakedownRecord? current, Caller? by = null, string reason = "filed for the wrong material") =>
        WithdrawTakedownRequest.From(new WithdrawTakedownRequestRequest
        {
            CommandId = NewCommandId(), CaseId = Mine.ToString(), RequestId = RequestId.ToString(), Reason = reason,
        }, by ?? Nl, On(Mine)) with { Current = current, HasRead = true };

    [Fact]
    public void The_requesting_unit_withdraws_an_open_request_with_a_sealed_reason_for_the_provider()
    {
        var outcome = Case().When(Withdrawal(Record(Filed)));
        outcome.Then(new TakedownWithdrawn(RequestId, Hoster, TakedownWithdrawal.ByRequestingUnit, Text(Mine, "filed for the wrong material"), DeciderSpec.Now));
        Assert.Equal(RequestId, ((Hub.Commands.IHubStreamEvent)outcome.Decision!.Events[0]).StreamId);
        Assert.Contains(Hoster, outcome.Decision.Record!.Disclosed);

        var withdrawn = Record(Filed, outcome.Decision.Events[0]);
        Assert.Equal((TakedownState.Withdrawn, false, TakedownWithdrawal.ByRequestingUnit), (withdrawn.Status, withdrawn.IsOpen, withdrawn.Withdrawal));
        Assert.Equal(Hub.Takedown.TakedownStepKind.Withdrawn, withdrawn.History[^1].Kind);
        // Notified no more, answered no more, withdrawn once.
        Assert.Null(TakedownAnswer.Renotify(withdrawn, TimeSpan.FromHours(24), DeciderSpec.Now.AddDays(10)));
        var ack = new TakedownAnswer(TakedownAnswerKind.Removed, RequestId, null);
        Assert.Equal((StatusCode.FailedPrecondition, "TAKEDOWN_WITHDRAWN"), Status(Refusal(() => ack.Decide(withdrawn, Provider, Keys, Subject, DeciderSpec.Now))));
        Case().When(Withdrawal(withdrawn)).ThenRejected(StatusCode.FailedPrecondition, "TAKEDOWN_WITHDRAWN");
    }

    [Fact]
    public void Only_the_requesting_unit_withdraws_an_answered_request_is_final_and_another_cases_request_is_not_found()
    {
        var removed = Record(Filed, new TakedownRemoved(RequestId, Hoster, null, DeciderSpec.Now));
        Case().When(Withdrawal(removed)).ThenRejected(StatusCode.FailedPrecondition, "TAKEDOWN_ANSWERED");
        // A co-lead reads the case's requests, but did not file this one.
        var joint = Case().And(new CoLeadInvited(Mine, "NL-TBKK", "BE-FCCU", Text(Mine, "joint"), DeciderSpec.Now.AddHours(40)), new CoLeadJoined(Mine, "BE-FCCU", "NL-TBKK"));
        joint.When(Withdrawal(Record(Filed), Be)).ThenRejected(StatusCode.PermissionDenied, "NOT_REQUESTING_UNIT");
        // Missing, or of another case: alike.
        var missing = Case().When(Withdrawal(null)).Rejection!.Status;
        var otherCase = Case().When(Withdrawal(Record(Filed with { CaseId = Guid.NewGuid() }))).Rejection!.Status;
        Assert.Equal(((int)StatusCode.NotFound, missing), (otherCase.Code, otherCase));
        DeciderSpec.WhenBuilding(() => Withdrawal(null, reason: " ")).ThenRejected(StatusCode.InvalidArgument, "reason");
    }

    [Fact]
    public void The_hub_withdraws_an_open_request_whose_material_is_gone_once_with_its_cause_and_never_an_answered_one()
    {
        var open = Record(Filed);
        foreach (var cause in new[] { TakedownWithdrawal.MediaRetracted, TakedownWithdrawal.HashNotHeld, TakedownWithdrawal.HashRestricted, TakedownWithdrawal.CaseRestricted, TakedownWithdrawal.CaseErased })
        {
            var withdrawn = TakedownWithdrawals.ByHub(open, cause, DeciderSpec.Now);
            Assert.Equal(new TakedownWithdrawn(RequestId, Hoster, cause, null, DeciderSpec.Now), withdrawn);
            var after = Record(Filed, withdrawn!);
            Assert.Equal(TakedownWithdrawals.Cause(cause), after.History[^1].Text);
            Assert.Null(TakedownWithdrawals.ByHub(after, cause, DeciderSpec.Now));
        }
        Assert.Null(TakedownWithdrawals.ByHub(Record(Filed, new TakedownRefused(RequestId, Hoster, null, DeciderSpec.Now)), TakedownWithdrawal.CaseErased, DeciderSpec.Now));
        // The provider's words never name the cause.
        Assert.All(Enum.GetValues<TakedownWithdrawal>(), c => Assert.DoesNotContain(c.ToString(), TakedownWithdrawals.ToProvider, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_providers_words_are_sealed_under_the_case_subject_and_kept_without_them_once_the_case_key_is_gone()
    {
        var refused = Assert.IsType<TakedownRefused>(new TakedownAnswer(TakedownAnswerKind.Refuse, RequestId, "not hosted here").Decide(Record(Filed), Provider, Keys, Subject, DeciderSpec.Now));
        Assert.Equal(CaseSubjectOf(Mine), refused.Reason!.Subject);
        Assert.DoesNotContain("hosted", refused.Reason.Ciphertext);
        var erased = new TakedownAnswer(TakedownAnswerKind.Refuse, RequestId, "not hosted here").Decide(Record(Filed), Provider, new Hub.Erasure.SubjectKeyRing(), Subject, DeciderSpec.Now);
        Assert.Null(Assert.IsType<TakedownRefused>(erased).Reason);
        Assert.Equal(TakedownState.Refused, Record(Filed, erased).Status);
    }

    [Fact]
    public void An_answers_command_id_is_checked_and_optional_for_older_clients()
    {
        Assert.Null(TakedownAnswer.Acknowledge(new AcknowledgeRequest { RequestId = RequestId.ToString() }).CommandId);
        Assert.Equal("ack-1", TakedownAnswer.Acknowledge(new AcknowledgeRequest { RequestId = RequestId.ToString(), CommandId = "ack-1" }).CommandId);
        Assert.Equal((StatusCode.InvalidArgument, "command_id"),
            Status(Refusal(() => TakedownAnswer.Removed(new ReportRemovedRequest { RequestId = RequestId.ToString(), CommandId = new string('x', 500) }))));
    }

    [Theory]
    [InlineData(TakedownWithdrawal.MediaRetracted)]
    [InlineData(TakedownWithdrawal.HashNotHeld)]
    [InlineData(TakedownWithdrawal.HashRestricted)]
    [InlineData(TakedownWithdrawal.CaseRestricted)]
    [InlineData(TakedownWithdrawal.CaseErased)]
    public void The_requesting_unit_is_told_the_hubs_cause_while_it_leads_the_case_and_no_cause_after(TakedownWithdrawal cause)
    {
        Assert.Equal(TakedownWithdrawals.Cause(cause), TakedownWithdrawals.ToRequestingUnit(cause, leadsCase: true));
        Assert.Equal(TakedownWithdrawals.ToFormerLead, TakedownWithdrawals.ToRequestingUnit(cause, leadsCase: false));
        Assert.DoesNotContain(Enum.GetValues<TakedownWithdrawal>(), c => TakedownWithdrawals.Cause(c) == TakedownWithdrawals.ToFormerLead);
    }
}
