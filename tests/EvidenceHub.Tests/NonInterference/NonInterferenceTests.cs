using CsCheck;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.NonInterference;

/// The hub's one promise as a property: whatever an observer (a unit, a partner) does, everything it sees (answers,
/// errors with their details and trailers, write results, lookups, networks, feed items, replayed events) is the same
/// whether or not a case it may not see exists: a RED case, an AMBER case that does not list it, a case whose handoff
/// to it was declined, cancelled, expired or ended by closing, a GREEN case its owner restricted, each owned by another
/// unit. Generated operation
/// sequences run side by side in two hubs, world A with the hidden case and its owner's activity, world B without;
/// each sequence uses fresh identifier values and references, so sequences do not interfere.
[Collection(TwoWorldsCollection.Name)]
public sealed class NonInterferenceTests(TwoWorlds worlds)
{
    private const string Observing = "NL-TBKK";
    private const string Partner = "US-HSI-C3";
    private const string HiddenOwner = "BE-FCCU";
    private const string Bystander = "CA-RCMP-NCECC";
    private const int Values = 4;

    public enum Hiding
    {
        Red, AmberNotListingTheObserver, DeclinedHandoff, CancelledHandoff, ExpiredHandoff, HandoffEndedByClosing, RestrictedGreenCase,
        // Joint cases: the observer was invited to co-lead the hidden case and declined, let it expire, left, or was removed.
        DeclinedCoLeadInvitation, ExpiredCoLeadInvitation, LeftAsCoLead, RemovedAsCoLead,
    }

    public enum Op
    {
        // The observer's own calls, made in both worlds and observed.
        OpenOwnCase, AddToOwnCase, RetractFromOwnCase, Lookup, BatchLookup, NetworkFromValue, NetworkAroundOwnCase, NetworkAroundHiddenCase,
        // Calls that name the hidden case's id or an identifier's stream id (issue 10 findings 1 and 8).
        GetHiddenCase, AddToHiddenCase, AddToHiddenCaseAtStaleVersion, CloseHiddenCase, OpenCaseOnIdentifierStream,
        // The calls added with issues 10 and 11: handoff cancelling, references, paging, OPRF blind lookups.
        CancelHiddenHandoff, AddToHiddenCaseByReference, AddToOwnCaseByReference, GetOwnCasePaged, BlindLookup,
        // Every catalog command that names a case, naming the hidden one by its id or by its owner's reference.
        CatalogCommandsOnHiddenCase, CatalogCommandsByHiddenReference,
        // A unit the observer may see adds a value, in both worlds.
        BystanderAdds,
        // The hidden case's owner acts, in world A only.
        HiddenOwnerAdds, HiddenOwnerLinksVictim,
        // The hidden case's owner narrows or widens its sharing (never to a policy the observer may see), restricts,
        // lifts, regrades and replaces its identifiers, reviews the case, corrects and erases its victim links.
        HiddenOwnerChangesSharing, HiddenOwnerRestrictsIdentifier, HiddenOwnerLiftsRestriction, HiddenOwnerRegradesIdentifier,
        HiddenOwnerReplacesIdentifier, HiddenOwnerReviews, HiddenOwnerCorrectsVictim, HiddenOwnerErasesVictim,
        // The hidden case's owner erases an identifier or the whole case, imports a media batch, files a takedown request
        // for its media; the observer also asks about the media's file hash.
        HiddenOwnerErasesIdentifier, HiddenOwnerErasesCase, HiddenOwnerImportsMedia, HiddenOwnerFilesTakedown, LookupMediaHash,
        // A unit the observer may see imports the same hash (in both worlds), and the observer walks the network from it.
        BystanderImportsMedia, NetworkFromMediaHash,
    }

    public sealed record Step(Op Op, int X, int Y)
    {
        public override string ToString() => $"{Op}({X},{Y})";
    }

    public sealed record Sequence(Hiding Hiding, Step[] Steps)
    {
        public override string ToString() => $"{Hiding}: {string.Join(", ", Steps.Select(s => s.ToString()))}";
    }

    private static readonly Op[] Background = [Op.BystanderAdds, Op.HiddenOwnerAdds, Op.HiddenOwnerAdds, Op.HiddenOwnerLinksVictim];
    private static readonly Op[] UnitCalls = [Op.OpenOwnCase, Op.AddToOwnCase, Op.AddToOwnCase, Op.AddToOwnCase, Op.RetractFromOwnCase, Op.Lookup, Op.BatchLookup, Op.NetworkFromValue, Op.NetworkFromValue, Op.NetworkAroundOwnCase, Op.NetworkAroundHiddenCase,
        Op.AddToOwnCaseByReference, Op.GetOwnCasePaged, Op.BlindLookup];
    private static readonly Op[] PartnerCalls = [Op.Lookup, Op.Lookup, Op.BatchLookup, Op.NetworkFromValue, Op.NetworkFromValue, Op.NetworkAroundHiddenCase, Op.BlindLookup];
    private static readonly Op[] CaseIdCalls = [Op.GetHiddenCase, Op.AddToHiddenCase, Op.AddToHiddenCaseAtStaleVersion, Op.CloseHiddenCase, Op.OpenCaseOnIdentifierStream,
        Op.CancelHiddenHandoff, Op.AddToHiddenCaseByReference, Op.CatalogCommandsOnHiddenCase, Op.CatalogCommandsByHiddenReference];
    private static readonly Op[] OwnerLifecycle = [Op.HiddenOwnerChangesSharing, Op.HiddenOwnerRestrictsIdentifier, Op.HiddenOwnerLiftsRestriction,
        Op.HiddenOwnerRegradesIdentifier, Op.HiddenOwnerReplacesIdentifier, Op.HiddenOwnerReviews, Op.HiddenOwnerCorrectsVictim, Op.HiddenOwnerErasesVictim];

    private static readonly Op[] OwnerErasureAndMedia = [Op.HiddenOwnerErasesIdentifier, Op.HiddenOwnerErasesIdentifier, Op.HiddenOwnerErasesCase,
        Op.HiddenOwnerImportsMedia, Op.HiddenOwnerImportsMedia, Op.HiddenOwnerFilesTakedown, Op.LookupMediaHash, Op.BystanderImportsMedia, Op.NetworkFromMediaHash];

    private static Gen<Sequence> Sequences(params Op[][] ops)
    {
        var all = ops.SelectMany(o => o).ToArray();
        var step = Gen.Select(Gen.OneOf(all), Gen.Int[0, 3], Gen.Int[0, Values - 1], (op, x, y) => new Step(op, x, y));
        return Gen.Select(Gen.Enum<Hiding>(), step.Array[4, 12], (hiding, steps) => new Sequence(hiding, steps));
    }

    [Fact]
    public Task A_unit_sees_the_same_whether_or_not_a_case_it_may_not_see_exists() =>
        Sequences(UnitCalls, Background).SampleAsync(sequence => Compare(sequence, Observing), iter: 25, threads: 1, print: s => s.ToString());

    [Fact]
    public Task A_partner_sees_the_same_whether_or_not_a_case_it_may_not_see_exists() =>
        Sequences(PartnerCalls, Background).SampleAsync(sequence => Compare(sequence, Partner), iter: 12, threads: 1, print: s => s.ToString());

    /// Depends on the fix of issue 10 findings 1 and 8 (case id space, existence oracles), made on another branch.
    [Fact]
    public Task Calls_naming_a_hidden_case_or_an_identifier_stream_answer_the_same_whether_or_not_it_exists() =>
        Sequences(UnitCalls, CaseIdCalls, CaseIdCalls, Background).SampleAsync(sequence => Compare(sequence, Observing), iter: 15, threads: 1, print: s => s.ToString());

    /// The hidden case's owner uses the case's lifecycle commands between the observer's calls: a unit (with calls
    /// naming the hidden case) or a partner.
    [Fact]
    public Task Neither_a_unit_nor_a_partner_sees_the_hidden_case_change_its_sharing_restrictions_gradings_identifiers_or_victims() =>
        Gen.OneOf(
                Sequences(UnitCalls, CaseIdCalls, Background, OwnerLifecycle, OwnerLifecycle).Select(s => (Observer: Observing, Sequence: s)),
                Sequences(PartnerCalls, Background, OwnerLifecycle).Select(s => (Observer: Partner, Sequence: s)))
            .SampleAsync(t => Compare(t.Sequence, t.Observer), iter: 12, threads: 1, print: t => $"{t.Observer} {t.Sequence}");

    /// The hidden case's owner erases its identifiers or the whole case, imports media and files takedown requests
    /// between the observer's calls. A whole case is erased only where the observer never learned of it: a unit once
    /// told of a case (a handoff's target, a co-lead) holds feed items about it, whose texts an erasure shreds by
    /// design, and it is told of the erasure (LED Art. 7(3)).
    [Fact]
    public Task Neither_a_unit_nor_a_partner_sees_the_hidden_case_erased_or_its_media_imported_or_taken_down() =>
        Gen.OneOf(
                Sequences(UnitCalls, CaseIdCalls, Background, OwnerErasureAndMedia, OwnerErasureAndMedia).Select(s => (Observer: Observing, Sequence: s)),
                Sequences(PartnerCalls, Background, OwnerErasureAndMedia).Select(s => (Observer: Partner, Sequence: s)))
            .SampleAsync(t => Compare(t.Sequence, t.Observer), iter: 10, threads: 1, print: t => $"{t.Observer} {t.Sequence}");

    /// The probes prove something only if they get past each command's own validation: in the world without the
    /// hidden case, every one of them, by id with each choice of its oneofs, meets a case that is not there.
    [Fact]
    public async Task A_probe_of_each_catalog_command_reaches_the_case_it_names()
    {
        var invoker = worlds.B.Channel(worlds.B.CertificateOf(Observing)).CreateCallInvoker();
        var target = new CaseCommandProbes.Target(Guid.NewGuid().ToString(), "", Guid.NewGuid().ToString());
        var stopped = new List<string>();
        foreach (var kind in CaseCommandProbes.Kinds)
            for (var choice = 0; choice < 3; choice++)
            {
                try
                {
                    await CaseCommandProbes.Call(invoker, kind, CaseCommandProbes.Request(kind, target, Unique.Email(), choice));
                    stopped.Add($"{kind.Rpc}({choice}): OK");
                }
                catch (RpcException failure) when (failure.StatusCode == StatusCode.NotFound && failure.Status.Detail.Contains(target.CaseId)) { }
                catch (RpcException failure) { stopped.Add($"{kind.Rpc}({choice}): {failure.StatusCode} {failure.Status.Detail}"); }
            }
        Assert.Empty(stopped);
    }

    /// One world's side of a sequence: its hub, what the observer saw, and the cases by their role in the sequence.
    private sealed class World(HubFixture hub, bool withHiddenCase, string sequenceId)
    {
        /// Case references are the same in both worlds: named by the case's role in the sequence.
        public string Reference(string role) => $"NI-{sequenceId}-{role}";

        public OpenCaseRequest Open(string role, Tlp tlp, params string[] partners)
        {
            var open = OpenCase(tlp: tlp, partners: partners);
            open.Reference = Reference(role);
            open.CaseId = ""; // the hub assigns it
            return open;
        }

        public HubFixture Hub { get; } = hub;
        public bool WithHiddenCase { get; } = withHiddenCase;
        public Observation Seen { get; } = new();
        public List<string> OwnCases { get; } = [];
        public List<string> Taps { get; } = [];
        public string HiddenCase { get; set; } = Guid.NewGuid().ToString();
        /// The hidden case's (ended) handoff to the observer, or an id nobody gave out.
        public string HiddenHandoff { get; set; } = Guid.NewGuid().ToString();
        public List<string> OwnReferences { get; } = [];
        public string? BystanderCase { get; set; }
        /// What the hidden case holds as far as its owner's calls succeeded (world A only): identifier keys, the
        /// ones among them it restricted, its victim links.
        public List<string> HiddenKeys { get; } = [];
        public List<string> RestrictedKeys { get; } = [];
        public List<string> HiddenVictims { get; } = [];
        /// The SHA-256 of the media the hidden case imported (world A only).
        public List<string> HiddenMedia { get; } = [];
        public Hiding Hiding { get; set; }
        public long FeedStart { get; set; }
    }

    private async Task Compare(Sequence sequence, string observer)
    {
        var values = Enumerable.Range(0, Values).Select(_ => Unique.Email()).ToArray();
        var sequenceId = Guid.NewGuid().ToString("N")[..12];
        var a = new World(worlds.A, withHiddenCase: true, sequenceId);
        var b = new World(worlds.B, withHiddenCase: false, sequenceId);
        World[] both = [a, b];
        var isUnit = observer == Observing;

        // Once the feed has every item of the sequences before (a partner's sequence leaves the unit items nobody read).
        if (isUnit) await Task.WhenAll(both.Select(async w =>
        {
            await ProjectionsCaughtUp(w.Hub);
            w.FeedStart = await w.Hub.Feed(Observing).LastPosition();
        }));
        foreach (var w in both) w.Hiding = sequence.Hiding;
        await Task.WhenAll(both.Select(w => Hide(w, sequence.Hiding, values)));
        foreach (var step in sequence.Steps)
            await Task.WhenAll(both.Select(w => Do(w, observer, step, values)));
        await Task.WhenAll(both.Select(w => Finish(w, isUnit)));

        if (Observation.Difference(a.Seen, b.Seen) is { } difference)
            throw new Xunit.Sdk.XunitException($"{observer} can tell the worlds apart ({sequence}):\n{difference}");
    }

    /// The hidden case. A handoff to the observer and its end happen in both worlds (the observer is told of both,
    /// rightly); what the owner does with the case besides, and the RED and AMBER cases themselves, in world A only.
    private static async Task Hide(World w, Hiding hiding, string[] values)
    {
        var owner = w.Hub.Cases(HiddenOwner);
        switch (hiding)
        {
            case Hiding.Red or Hiding.AmberNotListingTheObserver:
                if (!w.WithHiddenCase) return;
                var open = hiding == Hiding.Red ? w.Open("hidden", Tlp.Red) : w.Open("hidden", Tlp.Amber, Bystander);
                w.HiddenCase = (await owner.OpenCaseAsync(open)).CaseId;
                await owner.AddSuspectIdentifierAsync(AddIdentifier(w.HiddenCase, IdentifierKind.EmailAddress, values[0]));
                w.HiddenKeys.Add("email:" + values[0]);
                return;
            case Hiding.RestrictedGreenCase:
                // A case anyone could see in summary, with identifiers and a victim, restricted before the observer acts.
                if (!w.WithHiddenCase) return;
                w.HiddenCase = (await owner.OpenCaseAsync(w.Open("hidden", Tlp.Green))).CaseId;
                foreach (var value in values[..2])
                {
                    await owner.AddSuspectIdentifierAsync(AddIdentifier(w.HiddenCase, IdentifierKind.EmailAddress, value));
                    w.HiddenKeys.Add("email:" + value);
                }
                var victim = await owner.LinkVictimAsync(new LinkVictimRequest { CommandId = NewId(), CaseId = w.HiddenCase, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "FR" });
                w.HiddenVictims.Add(victim.VictimLinkId);
                await owner.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = w.HiddenCase, WholeCase = true, Reason = "kept as evidence", LegalBasis = "LED Art. 16(3)(b)" });
                return;
            default:
                w.HiddenCase = (await owner.OpenCaseAsync(w.Open("hidden", Tlp.Red))).CaseId;
                if (hiding >= Hiding.DeclinedCoLeadInvitation)
                {
                    await JoinThenEnd(w, hiding, values);
                    return;
                }
                var handoff = await owner.RequestHandoffAsync(new RequestHandoffRequest { CommandId = NewId(), CaseId = w.HiddenCase, TargetUnit = Observing, Reason = "yours?" });
                w.HiddenHandoff = handoff.HandoffId;
                // Added after the request: the target may see it while the handoff is pending, and only then.
                if (w.WithHiddenCase) await AddHidden(w, values[1]);
                switch (hiding)
                {
                    case Hiding.DeclinedHandoff:
                        await w.Hub.Cases(Observing).DeclineHandoffAsync(new DeclineHandoffRequest { CommandId = NewId(), CaseId = w.HiddenCase, HandoffId = handoff.HandoffId, Reason = "not ours" });
                        break;
                    case Hiding.CancelledHandoff:
                        await owner.CancelHandoffAsync(new CancelHandoffRequest { CommandId = NewId(), CaseId = w.HiddenCase, HandoffId = handoff.HandoffId, Reason = "we keep it" });
                        break;
                    case Hiding.ExpiredHandoff:
                        w.Hub.Clock.Advance(TimeSpan.FromHours(49));
                        break;
                    case Hiding.HandoffEndedByClosing:
                        await owner.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = w.HiddenCase, Reason = "closed" });
                        break;
                }
                return;
        }
    }

    /// The observer is invited to co-lead the hidden case (and joins it, for the last two); what the owner adds after the
    /// invitation is in world A only; then its view ends.
    private static async Task JoinThenEnd(World w, Hiding hiding, string[] values)
    {
        var (owner, observer) = (w.Hub.Cases(HiddenOwner), w.Hub.Cases(Observing));
        await owner.InviteCoLeadAsync(new InviteCoLeadRequest { CommandId = NewId(), CaseId = w.HiddenCase, CoLeadUnit = Observing, Reason = "join us?" });
        if (w.WithHiddenCase) await AddHidden(w, values[1]);
        if (hiding is Hiding.LeftAsCoLead or Hiding.RemovedAsCoLead)
            await observer.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = w.HiddenCase, Answer = CoLeadAnswer.Accept });
        switch (hiding)
        {
            case Hiding.DeclinedCoLeadInvitation:
                await observer.AnswerCoLeadInvitationAsync(new AnswerCoLeadInvitationRequest { CommandId = NewId(), CaseId = w.HiddenCase, Answer = CoLeadAnswer.Decline, Reason = "not ours" });
                break;
            case Hiding.ExpiredCoLeadInvitation:
                w.Hub.Clock.Advance(TimeSpan.FromHours(49));
                break;
            case Hiding.LeftAsCoLead:
                await observer.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = w.HiddenCase, Reason = "done" });
                break;
            case Hiding.RemovedAsCoLead:
                await owner.LeaveCaseAsync(new LeaveCaseRequest { CommandId = NewId(), CaseId = w.HiddenCase, CoLeadUnit = Observing, Reason = "done" });
                break;
        }
    }

    private static async Task AddHidden(World w, string value)
    {
        await w.Hub.Cases(HiddenOwner).AddSuspectIdentifierAsync(AddIdentifier(w.HiddenCase, IdentifierKind.EmailAddress, value));
        w.HiddenKeys.Add("email:" + value);
    }

    /// The file hash the media operations name for a value of the sequence (as CaseCommandProbes.ImportMedia makes it).
    private static string Sha256Of(string value) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));

    private static SuspectIdentifierInput Email(string value) => new() { Kind = IdentifierKind.EmailAddress, Value = value };
    private static IdentifierQuery Query(string value) => new() { Raw = Email(value) };
    private static readonly Justification Why = new() { Purpose = "non-interference" };

    private static async Task Do(World w, string observer, Step step, string[] values)
    {
        var value = values[step.Y];
        var cases = w.Hub.Cases(observer == Observing ? Observing : Bystander);
        var lookups = w.Hub.Lookups(observer);
        var seen = w.Seen;
        var what = step.ToString();
        switch (step.Op)
        {
            case Op.OpenOwnCase:
                if (w.OwnCases.Count >= 2) return; // few holders per value: the common threshold is not what is tested
                await OpenOwn(w, step.X);
                break;
            case Op.AddToOwnCase:
                if (w.OwnCases.Count == 0) await OpenOwn(w, 0);
                await seen.Call(what, () => cases.AddSuspectIdentifierAsync(AddIdentifier(w.OwnCases[step.X % w.OwnCases.Count], IdentifierKind.EmailAddress, value)).ResponseAsync);
                break;
            case Op.RetractFromOwnCase:
                if (w.OwnCases.Count == 0) return;
                await seen.Call(what, () => cases.RetractSuspectIdentifierAsync(new RetractSuspectIdentifierRequest
                {
                    CommandId = NewId(), CaseId = w.OwnCases[step.X % w.OwnCases.Count], IdentifierKey = "email:" + value, Reason = "mistyped",
                }).ResponseAsync);
                break;
            case Op.Lookup:
                await seen.Call(what, () => lookups.LookupAsync(new LookupRequest { Identifier = Query(value), Justification = Why }).ResponseAsync);
                break;
            case Op.BatchLookup:
                await seen.Stream(what, async () =>
                {
                    using var call = lookups.BatchLookup();
                    await call.RequestStream.WriteAsync(new BatchLookupRequest { ItemId = "1", Identifier = Query(values[step.X]), Justification = Why });
                    await call.RequestStream.WriteAsync(new BatchLookupRequest { ItemId = "2", Identifier = Query(value) });
                    await call.RequestStream.CompleteAsync();
                    return await call.ResponseStream.ReadAllAsync().ToListAsync();
                });
                break;
            case Op.NetworkFromValue:
                await seen.Call(what, () => lookups.GetNetworkAsync(new GetNetworkRequest { Identifier = Query(value), Justification = Why }).ResponseAsync);
                break;
            case Op.NetworkAroundOwnCase:
                if (w.OwnCases.Count == 0) return;
                await seen.Call(what, () => lookups.GetNetworkAsync(new GetNetworkRequest { CaseId = w.OwnCases[step.X % w.OwnCases.Count], Justification = Why }).ResponseAsync);
                break;
            case Op.NetworkAroundHiddenCase:
                await seen.Call(what, () => lookups.GetNetworkAsync(new GetNetworkRequest { CaseId = w.HiddenCase, Justification = Why }).ResponseAsync);
                break;
            case Op.GetHiddenCase:
                await seen.Call(what, () => cases.GetCaseAsync(new GetCaseRequest { CaseId = w.HiddenCase, Justification = new() { Purpose = "curious" } }).ResponseAsync);
                break;
            case Op.AddToHiddenCase:
                await seen.Call(what, () => cases.AddSuspectIdentifierAsync(AddIdentifier(w.HiddenCase, IdentifierKind.EmailAddress, value)).ResponseAsync);
                break;
            case Op.AddToHiddenCaseAtStaleVersion:
                var stale = AddIdentifier(w.HiddenCase, IdentifierKind.EmailAddress, value);
                stale.ExpectedVersion = 1;
                await seen.Call(what, () => cases.AddSuspectIdentifierAsync(stale).ResponseAsync);
                break;
            case Op.CloseHiddenCase:
                await seen.Call(what, () => cases.CloseCaseAsync(new CloseCaseRequest { CommandId = NewId(), CaseId = w.HiddenCase, Reason = "mine now" }).ResponseAsync);
                break;
            case Op.OpenCaseOnIdentifierStream:
                // Claiming an identifier's stream id as a case id would tap its correlations (finding 1).
                var streamId = IdentifierCorrelations.StreamIdFor("email:" + value).ToString();
                w.Taps.Add(streamId);
                var tap = w.Open($"tap{w.Taps.Count}", Tlp.Red);
                tap.CaseId = streamId;
                await seen.Call(what, () => cases.OpenCaseAsync(tap).ResponseAsync);
                break;
            case Op.CancelHiddenHandoff:
                await seen.Call(what, () => cases.CancelHandoffAsync(new CancelHandoffRequest
                {
                    CommandId = NewId(), CaseId = w.HiddenCase, HandoffId = w.HiddenHandoff, Reason = "not yours to keep",
                }).ResponseAsync);
                break;
            case Op.AddToHiddenCaseByReference:
                // The hidden case's own reference: a reference names only the caller's unit's cases.
                var byHiddenReference = AddIdentifier("", IdentifierKind.EmailAddress, value);
                byHiddenReference.CaseReference = w.Reference("hidden");
                await seen.Call(what, () => cases.AddSuspectIdentifierAsync(byHiddenReference).ResponseAsync);
                break;
            case Op.AddToOwnCaseByReference:
                if (w.OwnReferences.Count == 0) await OpenOwn(w, step.X % 3);
                var byReference = AddIdentifier("", IdentifierKind.EmailAddress, value);
                byReference.CaseReference = w.OwnReferences[step.X % w.OwnReferences.Count];
                await seen.Call(what, () => cases.AddSuspectIdentifierAsync(byReference).ResponseAsync);
                break;
            case Op.GetOwnCasePaged:
                if (w.OwnCases.Count == 0) await OpenOwn(w, step.X % 3);
                var paged = new GetCaseRequest { CaseId = w.OwnCases[step.X % w.OwnCases.Count], Justification = new() { Purpose = "reading my own case page by page" }, PageSize = 1 };
                for (var page = 0; page < 20; page++)
                {
                    Case answer;
                    try { answer = await cases.GetCaseAsync(paged); }
                    catch (RpcException failure) { seen.Failed($"{what}[{page}]", failure); break; }
                    // The token carries the case id, which the normalisation cannot see inside base64: only whether one came.
                    var token = answer.NextPageToken;
                    answer.NextPageToken = token.Length > 0 ? "<more>" : "";
                    seen.Saw($"{what}[{page}]", answer);
                    if (token.Length == 0) break;
                    paged.PageToken = token;
                }
                break;
            case Op.BlindLookup:
                // The OPRF round (the evaluated element is random by the blind: only its key id and count are compared),
                // then a lookup by the resulting token. Tokens are made by the daemon: a value some visible case holds
                // is asked again once the daemon has applied every event, so that daemon lag is not mistaken for a leak.
                var key = "email:" + value;
                var input = EvidenceHub.Oprf.OprfToken.Input(key);
                var blinded = EvidenceHub.Oprf.Ristretto255Oprf.Blind(input);
                EvaluateBlindedReply evaluated;
                try
                {
                    evaluated = await lookups.EvaluateBlindedAsync(new EvaluateBlindedRequest { BlindedElements = { Google.Protobuf.ByteString.CopyFrom(blinded.Element) }, Justification = Why });
                }
                catch (RpcException failure) { seen.Failed(what, failure); break; }
                seen.Saw($"{what} evaluated", new EvaluateBlindedReply { KeyId = evaluated.KeyId });
                var blindToken = EvidenceHub.Oprf.OprfToken.Format(evaluated.KeyId, EvidenceHub.Oprf.Ristretto255Oprf.Finalize(input, blinded.Blind, evaluated.EvaluatedElements.Single().Span));
                var raw = await lookups.LookupAsync(new LookupRequest { Identifier = Query(value), Justification = Why });
                var byToken = new LookupRequest { Identifier = new IdentifierQuery { BlindToken = blindToken }, Justification = Why };
                var tokenAnswer = await lookups.LookupAsync(byToken);
                if (raw.Hit && !tokenAnswer.Hit)
                {
                    await w.Hub.ProjectionsCaughtUp();
                    tokenAnswer = await lookups.LookupAsync(byToken);
                }
                seen.Saw($"{what} by token", tokenAnswer);
                break;
            case Op.BystanderAdds:
                var bystander = w.Hub.Cases(Bystander);
                w.BystanderCase ??= (await bystander.OpenCaseAsync(w.Open("bystander", Tlp.Green))).CaseId;
                await bystander.AddSuspectIdentifierAsync(AddIdentifier(w.BystanderCase, IdentifierKind.EmailAddress, value));
                break;
            case Op.CatalogCommandsOnHiddenCase or Op.CatalogCommandsByHiddenReference:
                // The hidden owner's reference must answer like a reference nobody uses: it names only its owner's cases.
                var target = step.Op == Op.CatalogCommandsOnHiddenCase
                    ? new CaseCommandProbes.Target(w.HiddenCase, "", w.HiddenHandoff)
                    : new CaseCommandProbes.Target("", w.Reference("hidden"), w.HiddenHandoff);
                var invoker = w.Hub.Channel(w.Hub.CertificateOf(Observing)).CreateCallInvoker();
                foreach (var kind in CaseCommandProbes.Kinds)
                    await seen.Call($"{what} {kind.Rpc}", () => CaseCommandProbes.Call(invoker, kind, CaseCommandProbes.Request(kind, target, value, step.X)));
                await seen.Call($"{what} ImportMedia", () => CaseCommandProbes.ImportMedia(w.Hub.Cases(Observing), target, value));
                break;
            case Op.HiddenOwnerAdds when w.WithHiddenCase:
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).AddSuspectIdentifierAsync(AddIdentifier(w.HiddenCase, IdentifierKind.EmailAddress, value)).ResponseAsync) is not null
                    && !w.HiddenKeys.Contains("email:" + value))
                    w.HiddenKeys.Add("email:" + value);
                break;
            case Op.HiddenOwnerLinksVictim when w.WithHiddenCase:
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).LinkVictimAsync(new LinkVictimRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, VictimReference = "V-" + NewId()[..8], AgeBand = AgeBand._13To15, Country = "FR",
                    }).ResponseAsync) is { } linked)
                    w.HiddenVictims.Add(linked.VictimLinkId);
                break;
            case Op.HiddenOwnerChangesSharing when w.WithHiddenCase:
                // Between RED and AMBER or AMBER+STRICT for the bystander alone: narrowing and widening, never to the observer.
                var policy = step.X switch
                {
                    0 => new SharingPolicy { Tlp = Tlp.Red, HandlingCode = HandlingCode.H0 },
                    1 => new SharingPolicy { Tlp = Tlp.Amber, HandlingCode = HandlingCode.H1, PartnerUnits = { Bystander } },
                    2 => new SharingPolicy { Tlp = Tlp.AmberStrict, HandlingCode = HandlingCode.H2, PartnerUnits = { Bystander } },
                    _ => new SharingPolicy { Tlp = Tlp.Red, HandlingCode = HandlingCode.H3, HandlingRestrictions = "no onward sharing" },
                };
                await Quietly(() => w.Hub.Cases(HiddenOwner).ChangeSharingPolicyAsync(new ChangeSharingPolicyRequest
                {
                    CommandId = NewId(), CaseId = w.HiddenCase, SharingPolicy = policy, Reason = "need to know",
                }).ResponseAsync);
                break;
            case Op.HiddenOwnerRestrictsIdentifier when w.WithHiddenCase:
                var unrestricted = w.HiddenKeys.Except(w.RestrictedKeys).ToList();
                if (unrestricted.Count == 0) return;
                var toRestrict = unrestricted[step.Y % unrestricted.Count];
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).RestrictDataAsync(new RestrictDataRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, IdentifierKey = toRestrict, Reason = "kept as evidence", LegalBasis = "LED Art. 16(3)(b)",
                    }).ResponseAsync) is not null)
                    w.RestrictedKeys.Add(toRestrict);
                break;
            case Op.HiddenOwnerLiftsRestriction when w.WithHiddenCase:
                // Only what this sequence restricted: never the whole-case restriction that hides a GREEN case.
                if (w.RestrictedKeys.Count == 0) return;
                var toLift = w.RestrictedKeys[step.Y % w.RestrictedKeys.Count];
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).LiftRestrictionAsync(new LiftRestrictionRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, IdentifierKey = toLift, Reason = "no longer needed as evidence",
                    }).ResponseAsync) is not null)
                    w.RestrictedKeys.Remove(toLift);
                break;
            case Op.HiddenOwnerRegradesIdentifier when w.WithHiddenCase:
                if (w.HiddenKeys.Count == 0) return;
                await Quietly(() => w.Hub.Cases(HiddenOwner).RegradeDataAsync(new RegradeDataRequest
                {
                    CommandId = NewId(), CaseId = w.HiddenCase, IdentifierKey = w.HiddenKeys[step.Y % w.HiddenKeys.Count], Reason = "source re-assessed",
                    Grading = new Grading { SourceReliability = (SourceReliability)(1 + step.X), InformationCredibility = (InformationCredibility)(1 + step.Y), Nature = InformationNature.Assessment },
                }).ResponseAsync);
                break;
            case Op.HiddenOwnerReplacesIdentifier when w.WithHiddenCase:
                // By another value of the sequence, so that the replacement may correlate with the observer's.
                if (w.HiddenKeys.Count == 0) return;
                var replaced = w.HiddenKeys[step.X % w.HiddenKeys.Count];
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).ReplaceSuspectIdentifierAsync(new ReplaceSuspectIdentifierRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, IdentifierKey = replaced, Identifier = Email(value), Reason = "mistyped",
                    }).ResponseAsync) is not null)
                {
                    w.HiddenKeys.Remove(replaced);
                    w.RestrictedKeys.Remove(replaced);
                    if (!w.HiddenKeys.Contains("email:" + value)) w.HiddenKeys.Add("email:" + value);
                }
                break;
            case Op.HiddenOwnerReviews when w.WithHiddenCase:
                await Quietly(() => w.Hub.Cases(HiddenOwner).ReviewCaseAsync(new ReviewCaseRequest { CommandId = NewId(), CaseId = w.HiddenCase, Note = "still needed" }).ResponseAsync);
                break;
            case Op.HiddenOwnerCorrectsVictim when w.WithHiddenCase:
                if (w.HiddenVictims.Count == 0) return;
                await Quietly(() => w.Hub.Cases(HiddenOwner).CorrectVictimLinkAsync(new CorrectVictimLinkRequest
                {
                    CommandId = NewId(), CaseId = w.HiddenCase, VictimLinkId = w.HiddenVictims[step.X % w.HiddenVictims.Count],
                    Country = new[] { "BE", "DE", "NL", "CA" }[step.Y], AgeBand = AgeBand._16To17, Reason = "victim re-interviewed",
                }).ResponseAsync);
                break;
            case Op.BystanderImportsMedia:
                var importer = w.Hub.Cases(Bystander);
                w.BystanderCase ??= (await importer.OpenCaseAsync(w.Open("bystander", Tlp.Green))).CaseId;
                using (var import = importer.ImportMedia())
                {
                    await import.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = w.BystanderCase, Rows = { new MediaRow { Sha256 = Sha256Of(value) } } });
                    await import.RequestStream.CompleteAsync();
                    await import.ResponseStream.ReadAllAsync().ToListAsync();
                }
                break;
            case Op.NetworkFromMediaHash:
                await seen.Call(what, () => lookups.GetNetworkAsync(new GetNetworkRequest
                {
                    Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = Sha256Of(value) } }, Justification = Why,
                }).ResponseAsync);
                break;
            case Op.LookupMediaHash:
                await seen.Call(what, () => lookups.LookupAsync(new LookupRequest
                {
                    Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = Sha256Of(value) } }, Justification = Why,
                }).ResponseAsync);
                break;
            case Op.HiddenOwnerErasesIdentifier when w.WithHiddenCase:
                if (w.HiddenKeys.Count == 0) return;
                var erasedKey = w.HiddenKeys[step.Y % w.HiddenKeys.Count];
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).EraseSuspectIdentifierAsync(new EraseSuspectIdentifierRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, IdentifierKey = erasedKey, LegalBasis = ErasureBasis.UnlawfulProcessing, Reason = "collected unlawfully",
                    }).ResponseAsync) is not null)
                {
                    w.HiddenKeys.Remove(erasedKey);
                    w.RestrictedKeys.Remove(erasedKey);
                }
                break;
            case Op.HiddenOwnerErasesCase when w.WithHiddenCase && w.Hiding is Hiding.Red or Hiding.AmberNotListingTheObserver or Hiding.RestrictedGreenCase:
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).EraseCaseAsync(new EraseCaseRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, LegalBasis = ErasureBasis.CourtOrder, Reason = "court order",
                    }).ResponseAsync) is not null)
                {
                    w.HiddenKeys.Clear();
                    w.RestrictedKeys.Clear();
                    w.HiddenVictims.Clear();
                    w.HiddenMedia.Clear();
                }
                break;
            case Op.HiddenOwnerImportsMedia when w.WithHiddenCase:
                var imported = await Quietly(() => CaseCommandProbes.ImportMedia(w.Hub.Cases(HiddenOwner), new CaseCommandProbes.Target(w.HiddenCase, "", ""), value));
                if (imported is not null && !w.HiddenMedia.Contains(Sha256Of(value))) w.HiddenMedia.Add(Sha256Of(value));
                break;
            case Op.HiddenOwnerFilesTakedown when w.WithHiddenCase:
                if (w.HiddenMedia.Count == 0) return;
                await Quietly(() => w.Hub.Cases(HiddenOwner).FileTakedownRequestAsync(new FileTakedownRequestRequest
                {
                    CommandId = NewId(), CaseId = w.HiddenCase, Provider = "NL-HOSTER-1", Media = { w.HiddenMedia[step.X % w.HiddenMedia.Count] },
                    Note = "please remove",
                }).ResponseAsync);
                break;
            case Op.HiddenOwnerErasesVictim when w.WithHiddenCase:
                if (w.HiddenVictims.Count == 0) return;
                var erased = w.HiddenVictims[step.X % w.HiddenVictims.Count];
                if (await Quietly(() => w.Hub.Cases(HiddenOwner).EraseVictimLinkAsync(new EraseVictimLinkRequest
                    {
                        CommandId = NewId(), CaseId = w.HiddenCase, VictimLinkId = erased, LegalBasis = ErasureBasis.UnlawfulProcessing, Reason = "linked by mistake",
                    }).ResponseAsync) is not null)
                    w.HiddenVictims.Remove(erased);
                break;
        }

        async Task OpenOwn(World world, int policy)
        {
            var role = $"own{world.OwnCases.Count}";
            var open = policy switch
            {
                0 => world.Open(role, Tlp.Green),
                1 => world.Open(role, Tlp.Amber, Bystander),
                _ => world.Open(role, Tlp.Red),
            };
            var opened = await world.Hub.Cases(Observing).OpenCaseAsync(open);
            world.OwnCases.Add(opened.CaseId);
            world.OwnReferences.Add(open.Reference);
            world.Seen.Saw($"OpenOwnCase({policy})", opened);
        }
    }

    /// The hidden owner's calls are not observed (a closed or restricted case refuses some of them: so be it); the
    /// answer, or null when refused, keeps the sequence's bookkeeping of the hidden case honest.
    private static async Task<T?> Quietly<T>(Func<Task<T>> call) where T : class
    {
        try { return await call(); }
        catch (RpcException) { return null; }
    }

    /// Marten's wait times out on a store without a single event, which the first sequences may leave in world B.
    private static async Task ProjectionsCaughtUp(HubFixture hub)
    {
        var store = hub.Factory.Services.GetRequiredService<Marten.IDocumentStore>();
        if ((await store.Advanced.FetchEventStoreStatistics()).EventCount > 0) await hub.ProjectionsCaughtUp();
    }

    /// What the observer's tapped streams and own cases replay (and its own cases as of their latest version), and its
    /// feed up to a marker made after everything else.
    private static async Task Finish(World w, bool isUnit)
    {
        if (!isUnit) return;
        var audit = w.Hub.Audit(Observing);
        foreach (var own in w.OwnCases)
        {
            using var replay = audit.ReplayCase(new ReplayCaseRequest { CaseId = own, Justification = new() { Purpose = "reviewing my own case" } });
            var events = await replay.ResponseStream.ReadAllAsync().ToListAsync();
            w.Seen.SawReplay("ReplayCase(own)", events);
            await w.Seen.Call("GetCaseAsOf(own)", () => audit.GetCaseAsOfAsync(new GetCaseAsOfRequest
            {
                CaseId = own, Justification = new() { Purpose = "reviewing my own case" }, Version = events[^1].Version,
            }).ResponseAsync);
        }
        foreach (var tap in w.Taps.Distinct())
        {
            try
            {
                using var replay = audit.ReplayCase(new ReplayCaseRequest { CaseId = tap, Justification = new() { Purpose = "tap" } });
                w.Seen.SawReplay("ReplayCase(tap)", await replay.ResponseStream.ReadAllAsync().ToListAsync());
            }
            catch (RpcException failure) { w.Seen.Failed("ReplayCase(tap)", failure); }
        }

        await ProjectionsCaughtUp(w.Hub);
        var items = await w.Hub.Feed(Observing).ReadAll(w.FeedStart);
        w.Seen.SawFeed(items);
    }
}
