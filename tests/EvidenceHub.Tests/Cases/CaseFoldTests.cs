using System.Text.Json;
using System.Text.Json.Serialization;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Victims;

namespace EvidenceHub.Tests.Cases;

/// The one fold of a case (CaseFile.Evolve), without a database.
public sealed class CaseFoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid CaseId = Guid.NewGuid();
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private static readonly CaseOpened Opened = new(CaseId, "NL-TBKK", "NL", "NL-2026-7", OffenceType.Sextortion,
        new SharingPolicy(Tlp.Amber, HandlingCode.H2, null, ["BE-FCCU"]), Deciders.Sample.CaseSubjectOf(CaseId));

    private static Sealed Text(Guid caseId, string text) => Deciders.Sample.Text(caseId, text);
    private static Sealed Note(Guid caseId, string text) => Deciders.Sample.Note(caseId, text);
    private static Sealed LinkText(Guid caseId, Guid linkId, string text) => Deciders.Sample.LinkText(caseId, linkId, text);

    private static CaseFile Fold(params object[] events)
    {
        CaseFile? file = null;
        for (var i = 0; i < events.Length; i++) file = CaseFile.Evolve(file, events[i], T0.AddMinutes(i));
        return file!;
    }

    private static VictimLinked Victim(string reference, AgeBand ageBand, string country, DateOnly? firstContact, string? contactedBy) =>
        Deciders.Sample.Linked(CaseId, Guid.NewGuid(), reference, ageBand, country, firstContact, contactedBy);

    private static SubjectKeyRing KeysOf(CaseFile file) =>
        new([.. file.Victims.Select(v => Deciders.Sample.TestKey(CaseId, v.VictimReference.Subject)), Deciders.Sample.TestKey(CaseId, file.TextSubject!.Value)]);

    [Fact]
    public void An_erased_victim_link_stays_in_the_file_sealed_and_marked()
    {
        var linked = Victim("V-1", AgeBand.Under13, "NL", null, null);
        var file = Fold(Opened, linked, new VictimLinkErased(CaseId, linked.VictimLinkId, linked.Subject, "NL", ErasureBasis.CourtOrder, "order 12"));
        var victim = Assert.Single(file.Victims);
        Assert.Equal((T0.AddMinutes(2), linked.VictimReference), (victim.ErasedAt, victim.VictimReference));
        Assert.True(victim.IsErased);
        Assert.Equal(T0.AddMinutes(2), file.UpdatedAt);
    }

    private static readonly SuspectIdentifierAdded Identifier = Deciders.Sample.Added(CaseId, "a@b.nl");

    /// One instance of every event type, so that a new case event without an arm in Evolve fails here.
    private static object Sample(Type type) => type.Name switch
    {
        nameof(CaseOpened) => Opened,
        nameof(CaseClosed) => new CaseClosed(CaseId, Text(CaseId, "done")),
        nameof(VictimLinked) => Victim("V-1", AgeBand.From13To15, "NL", null, null),
        nameof(VictimLinkErased) => new VictimLinkErased(CaseId, Guid.NewGuid(), Guid.NewGuid(), "NL", ErasureBasis.UnlawfulProcessing, "linked by mistake"),
        nameof(SuspectIdentifierAdded) => Identifier,
        nameof(SuspectIdentifierRetracted) => Deciders.Sample.Retracted(Identifier, "wrong"),
        nameof(SuspectIdentifierErased) => new SuspectIdentifierErased(CaseId, Identifier.Key, Identifier.Subject, IdentifierKind.EmailAddress, ErasureBasis.UnlawfulProcessing, "held by mistake"),
        nameof(HandoffRequested) => new HandoffRequested(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", Text(CaseId, "r"), T0.AddDays(2)),
        nameof(HandoffAccepted) => new HandoffAccepted(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", "BE"),
        nameof(HandoffDeclined) => new HandoffDeclined(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", Text(CaseId, "no")),
        nameof(HandoffCancelled) => new HandoffCancelled(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", Text(CaseId, "withdrawn")),
        nameof(Hub.Restriction.DataRestricted) => new Hub.Restriction.DataRestricted(CaseId, Hub.Restriction.RestrictedData.WholeCase, Text(CaseId, "contested"), "LED Art. 16(3)(a)",
            new Hub.Sharing.CaseParty(CaseId, "NL-TBKK", "NL", "NL-2026-7", Tlp.Green, HandlingCode.H0, null, []), []),
        nameof(Hub.Restriction.RestrictionLifted) => new Hub.Restriction.RestrictionLifted(CaseId, Hub.Restriction.RestrictedData.WholeCase, Text(CaseId, "resolved"),
            new Hub.Sharing.CaseParty(CaseId, "NL-TBKK", "NL", "NL-2026-7", Tlp.Green, HandlingCode.H0, null, []), []),
        nameof(HandoffExpired) => new HandoffExpired(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", T0, 0),
        nameof(HandoffEscalated) => new HandoffEscalated(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", 1, Note(CaseId, "please answer"), T0.AddDays(2)),
        nameof(Hub.Lifecycle.CaseReviewed) => new Hub.Lifecycle.CaseReviewed(CaseId, "NL-TBKK", Note(CaseId, "still needed"), T0),
        nameof(Hub.Lifecycle.CaseReviewDue) => new Hub.Lifecycle.CaseReviewDue(CaseId, "NL-TBKK", T0, T0.AddYears(3)),
        nameof(Hub.Lifecycle.CaseReviewOverdue) => new Hub.Lifecycle.CaseReviewOverdue(CaseId, "NL-TBKK", T0, T0.AddYears(3), Hub.Lifecycle.OverdueAction.Restrict, false),
        nameof(Hub.Sharing.SharingPolicyChanged) => new Hub.Sharing.SharingPolicyChanged(CaseId, Opened.SharingPolicy,
            Opened.SharingPolicy with { Tlp = Tlp.Red, PartnerUnits = [] }, Text(CaseId, "source asked to restrict")),
        nameof(EvidenceHub.Hub.Quality.IdentifierRegraded) => new EvidenceHub.Hub.Quality.IdentifierRegraded(CaseId, "email:a@b.nl", EvidenceHub.Hub.Quality.Grading.NotStated, Text(CaseId, "r")),
        nameof(EvidenceHub.Hub.Quality.VictimLinkRegraded) => new EvidenceHub.Hub.Quality.VictimLinkRegraded(CaseId, Guid.NewGuid(), EvidenceHub.Hub.Quality.Grading.NotStated, Text(CaseId, "r")),
        nameof(VictimLinkCorrected) => new VictimLinkCorrected(CaseId, Guid.NewGuid(), new VictimDetails(AgeBand.Adult, "NL", null, null), new VictimDetails(AgeBand.Adult, "BE", null, null), LinkText(CaseId, Guid.NewGuid(), "r")),
        nameof(CoLeadInvited) => new CoLeadInvited(CaseId, "NL-TBKK", "BE-FCCU", Text(CaseId, "joint investigation"), T0.AddDays(2)),
        nameof(CaseErased) => new CaseErased(CaseId, ErasureBasis.CourtOrder, "order 12",
            new Hub.Sharing.CaseParty(CaseId, "NL-TBKK", "NL", "NL-2026-7", Tlp.Green, HandlingCode.H0, null, []), []),
        nameof(CoLeadJoined) => new CoLeadJoined(CaseId, "BE-FCCU", "NL-TBKK"),
        nameof(CoLeadInvitationDeclined) => new CoLeadInvitationDeclined(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "no capacity")),
        nameof(CoLeadInvitationWithdrawn) => new CoLeadInvitationWithdrawn(CaseId, "BE-FCCU", "NL-TBKK", Text(CaseId, "no longer needed")),
        nameof(CoLeadLeft) => new CoLeadLeft(CaseId, "BE-FCCU", "BE-FCCU", "NL-TBKK", Text(CaseId, "done")),
        nameof(Hub.Media.MediaAdded) => new Hub.Media.MediaAdded(CaseId, ["sha256:" + new string('a', 64)], new string('b', 64), 90, true, false, true, 1, null),
        nameof(Hub.Media.MediaBatchImported) => new Hub.Media.MediaBatchImported(CaseId, "batch-1", 2, 1, new string('c', 64), 2),
        nameof(Hub.Media.MediaRetracted) => new Hub.Media.MediaRetracted(CaseId, ["sha256:" + new string('a', 64)], new string('b', 64), Deciders.Sample.Text(CaseId, "wrong")),
        _ => throw new InvalidOperationException($"{type.Name} is a case event without a sample here: add one, and an arm in CaseFile.Evolve"),
    };

    public static TheoryData<string> CaseEventTypes()
    {
        var names = new TheoryData<string>();
        foreach (var type in typeof(ICaseEvent).Assembly.GetTypes().Where(t => t.IsAssignableTo(typeof(ICaseEvent)) && !t.IsInterface))
            names.Add(type.FullName!);
        return names;
    }

    [Fact]
    public void Every_event_the_hub_appends_to_a_case_stream_is_a_case_event() =>
        Assert.True(CaseEventTypes().Count<object[]>() >= 9, "the reflection found fewer case events than exist today");

    [Theory]
    [MemberData(nameof(CaseEventTypes))]
    public void Evolve_knows_every_case_event(string typeName)
    {
        var type = typeof(ICaseEvent).Assembly.GetType(typeName)!;
        var open = Fold(Opened);
        var before = JsonSerializer.Serialize(open, Json);

        var after = CaseFile.Evolve(open, Sample(type), T0.AddHours(1));

        Assert.NotNull(after);
        Assert.Equal(before, JsonSerializer.Serialize(open, Json)); // the input is never changed
        // The snapshot is told of exactly the events that change the file, so that it skips the others.
        var changes = !ReferenceEquals(after, open);
        Assert.Equal(changes, CaseFile.EventsThatChangeTheFile.Contains(type));
    }

    [Fact]
    public void An_added_identifier_leaves_the_file_as_it_was() =>
        Assert.DoesNotContain(typeof(SuspectIdentifierAdded), CaseFile.EventsThatChangeTheFile);

    [Fact]
    public void An_event_the_fold_does_not_know_is_refused() =>
        Assert.Throws<ArgumentException>(() => CaseFile.Evolve(Fold(Opened), new { Surprise = true }, T0));

    [Fact]
    public void Events_before_the_case_opened_build_nothing() =>
        Assert.Null(CaseFile.Evolve(null, new CaseClosed(CaseId, Text(CaseId, "x")), T0));

    [Fact]
    public void Open_victims_handoffs_and_close_build_the_file()
    {
        Guid declined = Guid.NewGuid(), cancelled = Guid.NewGuid(), accepted = Guid.NewGuid();
        var file = Fold(
            Opened,
            Victim("V-1", AgeBand.From13To15, "NL", new DateOnly(2026, 11, 1), "email:a@b.nl"),
            Victim("V-2", AgeBand.Under13, "BE", null, null),
            new HandoffRequested(CaseId, declined, "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), T0.AddDays(2)),
            new HandoffDeclined(CaseId, declined, "NL-TBKK", "BE-FCCU", Text(CaseId, "no capacity")),
            new HandoffRequested(CaseId, cancelled, "NL-TBKK", "BE-FCCU", Text(CaseId, "again"), T0.AddDays(2)),
            new HandoffCancelled(CaseId, cancelled, "NL-TBKK", "BE-FCCU", Text(CaseId, "withdrawn")),
            new HandoffRequested(CaseId, accepted, "NL-TBKK", "BE-FCCU", Text(CaseId, "third"), T0.AddDays(2)),
            new HandoffAccepted(CaseId, accepted, "NL-TBKK", "BE-FCCU", "BE"),
            new CaseClosed(CaseId, Text(CaseId, "convicted")));

        Assert.Equal(CaseId, file.Id);
        Assert.Equal(("BE-FCCU", "BE", "NL-TBKK"), (file.OwnerUnit, file.OwnerCountry, file.OpenedByUnit));
        Assert.Equal(["V-1", "V-2"], file.Victims.Select(v => v.VictimReference.Open(KeysOf(file), nameof(VictimLinked.VictimReference))));
        Assert.Equal("email:a@b.nl", file.Victims[0].ContactedBy!.Open(KeysOf(file), nameof(VictimLinked.ContactedBy)));
        Assert.Equal(T0.AddMinutes(1), file.Victims[0].LinkedAt);
        Assert.Equal([HandoffStatus.Declined, HandoffStatus.Cancelled, HandoffStatus.Accepted], file.Handoffs.Select(h => h.Status));
        Assert.Equal(["no capacity", "withdrawn", ""], file.Handoffs.Select(h => CaseText.Open(h.DeclineReason, KeysOf(file), "Reason")));
        Assert.Equal(T0.AddMinutes(4), file.Handoffs[0].AnsweredAt);
        Assert.Equal((CaseStatus.Closed, "convicted"), (file.Status, CaseText.Open(file.CloseReason, KeysOf(file), "Reason")));
        Assert.Equal((T0, T0.AddMinutes(9)), (file.OpenedAt, file.UpdatedAt));
        Assert.Null(file.PendingHandoffAt(T0));
    }

    [Fact]
    public void A_pending_handoff_is_pending_until_its_deadline()
    {
        var handoff = Guid.NewGuid();
        var file = Fold(Opened, new HandoffRequested(CaseId, handoff, "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), T0.AddDays(2)));
        Assert.Equal(handoff, file.PendingHandoffAt(T0.AddDays(1))?.HandoffId);
        Assert.Null(file.PendingHandoffAt(T0.AddDays(2)));
    }

    [Fact]
    public void A_retraction_is_kept_marked_and_an_added_identifier_is_not_in_the_file()
    {
        var held = CaseIdentifier.From(Identifier, T0, "NL-TBKK", 2);
        var added = Fold(Opened, Sample(typeof(SuspectIdentifierAdded)));
        Assert.Empty(added.RetractedIdentifiers);
        Assert.Equal(T0, added.UpdatedAt);

        var file = CaseFile.Evolve(added, new SuspectIdentifierRetracted(CaseId, held.Key, Deciders.Sample.Reason(Identifier, "typo"), held), T0.AddHours(1))!;
        var retracted = Assert.Single(file.RetractedIdentifiers);
        var keys = new SubjectKeyRing([Deciders.Sample.TestKey(CaseId, Identifier.Subject)]);
        Assert.Equal((held.Key, T0.AddHours(1), "typo", 2L), (retracted.Key, retracted.RetractedAt, retracted.RetractionReason!.Open(keys, "Reason"), retracted.AddedAtVersion));
        // Erased, it stays listed (its values sealed), marked erased.
        var erased = CaseFile.Evolve(file, Sample(typeof(SuspectIdentifierErased)), T0.AddHours(2))!;
        Assert.Equal(T0.AddHours(2), Assert.Single(erased.RetractedIdentifiers).ErasedAt);
        Assert.False(retracted.IsActive);
        Assert.Equal(T0.AddHours(1), file.UpdatedAt);
    }

    [Fact]
    public void Evolve_never_changes_the_file_it_is_given()
    {
        var handoff = Guid.NewGuid();
        var file = Fold(Opened,
            Victim("V-1", AgeBand.Adult, "NL", null, null),
            new HandoffRequested(CaseId, handoff, "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), T0.AddDays(2)));
        var before = JsonSerializer.Serialize(file, Json);

        CaseFile.Evolve(file, Victim("V-2", AgeBand.Adult, "NL", null, null), T0.AddHours(1));
        CaseFile.Evolve(file, new HandoffAccepted(CaseId, handoff, "NL-TBKK", "BE-FCCU", "BE"), T0.AddHours(1));
        CaseFile.Evolve(file, new CaseClosed(CaseId, Text(CaseId, "x")), T0.AddHours(1));

        Assert.Equal(before, JsonSerializer.Serialize(file, Json));
    }

    [Fact]
    public void The_file_round_trips_through_System_Text_Json()
    {
        var file = Fold(Opened,
            Victim("V-1", AgeBand.Adult, "NL", new DateOnly(2026, 1, 2), null),
            new HandoffRequested(CaseId, Guid.NewGuid(), "NL-TBKK", "BE-FCCU", Text(CaseId, "lead"), T0.AddDays(2)),
            Deciders.Sample.Retracted(Identifier, "r") with { Identifier = CaseIdentifier.From(Identifier, T0, "NL-TBKK", 3) });
        var json = JsonSerializer.Serialize(file, Json);

        var back = JsonSerializer.Deserialize<CaseFile>(json, Json)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, Json));
        Assert.Equal(3, back.RetractedIdentifiers[0].AddedAtVersion);
        Assert.Equal(["BE-FCCU"], back.SharingPolicy.PartnerUnits);
        // A folded copy of the read-back file grows its lists like the original.
        Assert.Equal(2, CaseFile.Evolve(back, Victim("V-2", AgeBand.Adult, "NL", null, null), T0)!.Victims.Count);
    }
}
