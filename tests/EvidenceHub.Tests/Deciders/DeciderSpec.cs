using System.Text.Json;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Victims;
using CaseErased = EvidenceHub.Hub.Erasure.CaseErased;
using Google.Rpc;
using Grpc.Core;
using HandlingCode = EvidenceHub.Hub.Cases.HandlingCode;
using OffenceType = EvidenceHub.Hub.Cases.OffenceType;
using SharingPolicy = EvidenceHub.Hub.Cases.SharingPolicy;
using Tlp = EvidenceHub.Hub.Cases.Tlp;
using AgeBand = EvidenceHub.Hub.Victims.AgeBand;

namespace EvidenceHub.Tests.Deciders;

/// Given(events) / When(command) / Then(events) over the pure deciders, without a database: the case is folded from
/// the given events with CaseFile's own fold, the locked identifiers are built in memory from the same events.
public sealed class DeciderSpec
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<(object Event, DateTimeOffset At, string? Unit)> given = [];

    public static DeciderSpec Given(params object[] events) => new DeciderSpec().And(events);

    /// Events recorded an hour before the command decides.
    public DeciderSpec And(params object[] events) => At(Now.AddHours(-1), events);

    /// Events another unit than the owner appended (a co-lead's identifiers), an hour before the command decides.
    public DeciderSpec AndBy(Caller unit, params object[] events) => At(Now.AddHours(-1), events, unit.UnitId);

    /// A new spec: the one it extends stays as it was, so one history can branch into several tests.
    public DeciderSpec At(DateTimeOffset at, params object[] events) => At(at, events, null);

    private DeciderSpec At(DateTimeOffset at, object[] events, string? unit)
    {
        var next = new DeciderSpec();
        next.given.AddRange(given);
        foreach (var @event in events) next.given.Add((@event, at, unit));
        return next;
    }

    public Outcome When(Command command, DateTimeOffset? at = null)
    {
        var states = new Dictionary<Guid, CaseFile?>();
        var after = new List<CaseFile?>();
        foreach (var (@event, time, _) in given)
        {
            if (@event is IIdentifierEvent) { after.Add(null); continue; }
            var caseId = CaseIdOf(@event);
            after.Add(states[caseId] = CaseFile.Evolve(states.GetValueOrDefault(caseId), @event, time));
        }
        var state = command.CaseId is { } id ? states.GetValueOrDefault(id) : null;

        var keys = given.Select(g => KeyOf(g.Event)).OfType<string>().ToList();
        try { keys.AddRange(command.KeysToLock(state)); }
        catch (Rejection) { }
        var index = LockedIdentifiers.InMemory(keys, states.Keys.Concat(command.CaseId is { } named ? [named] : []));
        var versions = new Dictionary<Guid, long>();
        for (var i = 0; i < given.Count; i++)
        {
            var (@event, time, unit) = given[i];
            var version = @event is IIdentifierEvent ? 0 : versions[CaseIdOf(@event)] = versions.GetValueOrDefault(CaseIdOf(@event)) + 1;
            // The index knows each holder as it stands now (at its current owner), as the hub's does.
            var holder = @event is SuspectIdentifierAdded added ? states[added.CaseId] : after[i];
            index.Record(@event, holder, new CaseRevision(version, time), unit);
        }

        // The keys of the victim links and identifier holdings given (an erased one's key is gone), as the engine loads them.
        var erased = given.Select(g => g.Event).OfType<IErasesSubject>().Select(e => e.Subject).ToHashSet();
        var known = given.Select(g => g.Event).Select(Sample.SubjectOf).OfType<(Guid CaseId, Guid Subject)>()
            .Where(s => !erased.Contains(s.Subject)).Select(s => Sample.TestKey(s.CaseId, s.Subject)).ToList();
        // The cases' own subjects (their free text), unless the case was erased.
        var erasedCases = given.Select(g => g.Event).OfType<CaseErased>().Select(e => e.CaseId).ToHashSet();
        known.AddRange(given.Select(g => g.Event).OfType<CaseOpened>().Where(o => o.TextSubject is not null && !erasedCases.Contains(o.CaseId))
            .Select(o => Sample.TestKey(o.CaseId, o.TextSubject!.Value)));
        var ring = new SubjectKeyRing(known);
        try
        {
            var decision = command.Decide(state, index, ring, at ?? Now);
            return new Outcome(decision, null) { Keys = [.. known, .. ring.TakeCreated()] };
        }
        catch (Rejection rejection) { return new Outcome(null, rejection); }
    }

    /// An OpenCase.From / RetractSuspectIdentifier.From … that refuses its request.
    public static Outcome WhenBuilding(Func<Command> build)
    {
        try { return new Outcome(new Decision([build()], new CommandResult()), null); }
        catch (Rejection rejection) { return new Outcome(null, rejection); }
    }

    private static Guid CaseIdOf(object @event) => (Guid)@event.GetType().GetProperty("CaseId")!.GetValue(@event)!;

    private static string? KeyOf(object @event) => @event.GetType().GetProperty("Key")?.GetValue(@event) as string;

    public sealed record Outcome(Decision? Decision, Rejection? Rejection)
    {
        /// The subject keys the decider had and made: sealed fields are compared opened, subjects (random) not at all.
        public IReadOnlyList<SubjectKey> Keys { get; init; } = [];

        public Outcome Then(params object[] expected)
        {
            Assert.True(Rejection is null, $"refused: {Rejection?.Status}");
            var keys = new SubjectKeyRing([.. Keys, .. expected.Select(Sample.SubjectOf).OfType<(Guid CaseId, Guid Subject)>().Select(s => Sample.TestKey(s.CaseId, s.Subject)),
                .. expected.OfType<CaseOpened>().Where(o => o.TextSubject is not null).Select(o => Sample.TestKey(o.CaseId, o.TextSubject!.Value))]);
            Assert.Equal(Describe(expected, keys), Describe(Decision!.Events, keys));
            return this;
        }

        /// The status code and its reason: ErrorInfo's reason, or else the field BadRequest names.
        public void ThenRejected(StatusCode code, string reason)
        {
            Assert.True(Rejection is not null, $"decided: {(Decision is null ? "" : Describe(Decision.Events))}");
            var status = Rejection.Status;
            var named = status.GetDetail<ErrorInfo>()?.Reason ?? status.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
            Assert.Equal((code, reason), ((StatusCode)status.Code, named));
        }

        public T Result<T>() => (T)Decision!.Result;

        private static string Describe(IEnumerable<object> events, SubjectKeyRing? keys = null) =>
            string.Join("\n", events.Select(e => e.GetType().Name + " " + Comparable(JsonSerializer.Serialize(e, e.GetType()), keys)));

        private static string Comparable(string json, SubjectKeyRing? keys) => keys is null
            ? json
            : System.Text.RegularExpressions.Regex.Replace(SealedJson.Opened(json, keys), "\"(Subject|TextSubject)\":\"[0-9a-f-]{36}\"", "\"$1\":\"*\"");
    }
}

/// Units, cases and requests the decider tests share.
public static class Sample
{
    public static readonly Caller Nl = Unit("NL-TBKK", "NL");
    public static readonly Caller Be = Unit("BE-FCCU", "BE");
    public static readonly Caller Ca = Unit("CA-RCMP-NCECC", "CA");

    public static readonly UnitRegistry Units = new([
        new UnitRegistration("NL-TBKK", "NL", [Roles.Unit]), new UnitRegistration("BE-FCCU", "BE", [Roles.Unit]),
        new UnitRegistration("CA-RCMP-NCECC", "CA", [Roles.Unit]), new UnitRegistration("US-HSI-C3", "US", [Roles.Partner]),
    ]);

    public static Caller Unit(string id, string country) => new(id, country, [Roles.Unit], "analyst", "CN=" + id);

    public static CaseOpened Opened(Guid caseId, Caller owner, Tlp tlp = Tlp.Green, params string[] partners) =>
        new(caseId, owner.UnitId, owner.Country, "REF-" + caseId.ToString()[..8], OffenceType.FinancialSextortion, new SharingPolicy(tlp, HandlingCode.H1, null, partners),
            CaseSubjectOf(caseId));

    /// The subject of a case's free text in these tests: derived from the case id, so that a test can seal a reason as
    /// the case's deciders do (Text, Note) without holding the opened event.
    public static Guid CaseSubjectOf(Guid caseId) => Derived("case-text", caseId);

    /// A reason as a decider of the case seals it (field "Reason").
    public static Sealed Text(Guid caseId, string text) => Seal(caseId, CaseSubjectOf(caseId), "Reason", text);

    /// Handling restrictions as OpenCase and ChangeSharingPolicy seal them (under the case subject).
    public static Sealed Restrictions(Guid caseId, string text) => Seal(caseId, CaseSubjectOf(caseId), "HandlingRestrictions", text);

    /// A note as a decider of the case seals it (field "Note").
    public static Sealed Note(Guid caseId, string text) => Seal(caseId, CaseSubjectOf(caseId), "Note", text);

    /// A victim link correction's reason, sealed under the link's own subject (Linked derives it from the link id).
    public static Sealed LinkText(Guid caseId, Guid linkId, string text) => Seal(caseId, LinkSubjectOf(linkId), "Reason", text);

    public static Guid LinkSubjectOf(Guid linkId) => Derived("victim-link", linkId);

    private static Sealed Seal(Guid caseId, Guid subject, string field, string text) => SubjectCipher.Seal(subject, TestKey(caseId, subject).Key, field, text);

    private static Guid Derived(string purpose, Guid id) =>
        new(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(purpose + "/" + id)).AsSpan(0, 16));

    public static CaseTarget On(Guid caseId) => new(caseId, null);

    public static string NewCommandId() => Guid.NewGuid().ToString();

    /// The pseudonyms of the decider tests (a fixed secret: the tests compare match keys they compute themselves).
    public static readonly IdentifierPseudonym Pseudonyms = new(System.Text.Encoding.UTF8.GetBytes("evidencehub/decider-tests/pseudonym-secret/32+bytes"));

    /// The match key of a canonical key, as the hub computes it.
    public static string MatchKey(string canonicalKey) => Pseudonyms.MatchKeyOf(canonicalKey);

    public static SuspectIdentifierAdded Added(Guid caseId, string email) => Added(caseId, new RawIdentifier(Hub.Identifiers.IdentifierKind.EmailAddress, email));

    /// An identifier as AddSuspectIdentifier seals it, under a key the decider tests derive from its subject (TestKey).
    public static SuspectIdentifierAdded Added(Guid caseId, RawIdentifier raw, string region = "NL", Hub.Quality.Grading? grading = null)
    {
        var canonical = IdentifierMapping.Canonicalize(raw, region);
        var subject = Guid.NewGuid();
        var ring = new SubjectKeyRing([TestKey(caseId, subject)]);
        var seal = (string field, string text) => ring.Seal(subject, field, text);
        return new SuspectIdentifierAdded(caseId, canonical.Kind, Pseudonyms.MatchKeyOf(canonical), subject, seal(nameof(SuspectIdentifierAdded.CanonicalValue), canonical.Value),
            canonical.Qualifier, seal(nameof(SuspectIdentifierAdded.RawValue), raw.Value), raw.Platform is { } p ? seal(nameof(SuspectIdentifierAdded.RawPlatform), p) : null,
            raw.ObservedAt is { } at ? seal(nameof(SuspectIdentifierAdded.ObservedAt), at.ToString("O")) : null, grading);
    }

    /// The retraction of an identifier given, as RetractSuspectIdentifier decides it.
    public static SuspectIdentifierRetracted Retracted(SuspectIdentifierAdded added, string reason) =>
        new(added.CaseId, added.Key, Reason(added, reason), CaseIdentifier.From(added, DeciderSpec.Now.AddHours(-1), "", 0));

    /// A retraction reason as RetractSuspectIdentifier seals it (under the holding's subject).
    public static Sealed Reason(SuspectIdentifierAdded added, string reason) =>
        SubjectCipher.Seal(added.Subject, TestKey(added.CaseId, added.Subject).Key, nameof(SuspectIdentifierRetracted.Reason), reason);

    /// The case and subject of an event that creates a subject (a victim link, an identifier holding).
    public static (Guid CaseId, Guid Subject)? SubjectOf(object @event) => @event switch
    {
        VictimLinked v => (v.CaseId, v.Subject),
        SuspectIdentifierAdded a => (a.CaseId, a.Subject),
        _ => null,
    };

    /// A victim link as LinkVictim seals it, under a key the decider tests derive from its subject (TestKey).
    public static VictimLinked Linked(Guid caseId, Guid linkId, string reference, AgeBand ageBand, string country, DateOnly? firstContact = null, string? contactedBy = null,
        Hub.Quality.Grading? grading = null, string? linkedByCoLead = null)
    {
        var subject = LinkSubjectOf(linkId);
        var key = TestKey(caseId, subject).Key;
        return new VictimLinked(caseId, linkId, subject, SubjectCipher.Seal(subject, key, nameof(VictimLinked.VictimReference), reference), ageBand, country,
            firstContact, contactedBy is null ? null : SubjectCipher.Seal(subject, key, nameof(VictimLinked.ContactedBy), contactedBy), grading, linkedByCoLead);
    }

    /// A contacting identifier as a correction of the link seals it (under the link's own key).
    public static Sealed ContactOf(VictimLinked linked, string contactedBy) =>
        SubjectCipher.Seal(linked.Subject, TestKey(linked.CaseId, linked.Subject).Key, nameof(VictimLinked.ContactedBy), contactedBy);

    /// The test keys of the given links, to open what the file holds of them.
    public static SubjectKeyRing KeysOf(params VictimLinked[] links) => new(links.Select(l => TestKey(l.CaseId, l.Subject)));

    public static SubjectKey TestKey(Guid caseId, Guid subject) =>
        new(subject, caseId, SubjectKind.VictimLink, System.Security.Cryptography.SHA256.HashData(subject.ToByteArray()));

    public static SuspectIdentifierInput Email(string value) => new() { Kind = Contracts.V1.IdentifierKind.EmailAddress, Value = value };
}
