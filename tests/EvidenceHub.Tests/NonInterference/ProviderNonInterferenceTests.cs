using System.Security.Cryptography;
using CsCheck;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.NonInterference;

/// Issue 14's promise to hosting parties as a property: a provider sees nothing but hash answers and its own takedown
/// requests. Whatever it does (hash checks, its notices, reading or answering a request id, its feed), it observes the
/// same whether or not a hidden case holds media it may not learn of: media not flagged for providers, flagged media
/// whose hash was restricted or whose record was retracted, and takedown requests addressed to another provider (filed,
/// withdrawn by their unit, or withdrawn by the hub once their media is retracted). A bystander unit flags media, files
/// takedown requests to the observer and withdraws them (or retracts their media, so that the hub withdraws them and
/// tells it on its feed) in both worlds, and the hub's timed work runs in both, so that there is something to see; the
/// observer's answers carry command ids and are retried. The bystander's feed is compared too: what the hub tells a
/// requesting unit of its requests is the same whatever a hidden case holds.
[Collection(TwoWorldsCollection.Name)]
public sealed class ProviderNonInterferenceTests(TwoWorlds worlds)
{
    private const string Observer = "NL-HOSTER-1";
    private const string OtherProvider = "NL-HOSTER-2";
    private const string HiddenOwner = "BE-FCCU";
    private const string Bystander = "CA-RCMP-NCECC";
    private const int Values = 4;

    public enum Op
    {
        // The provider's own calls, observed.
        CheckHashes, ListNotices, GetHiddenNotice, AcknowledgeHiddenNotice, AnswerVisibleNotice,
        // In both worlds: the bystander flags media for providers and asks the observer to take it down, or withdraws a
        // request; the hub's timed work runs a round (withdrawals and re-notifications).
        BystanderFlagsAndFiles, BystanderWithdraws, BystanderRetracts, TimedRound,
        // In world A only: what the hidden case's owner does that no provider may learn of.
        HiddenUnflaggedMedia, HiddenFlaggedMediaRestricted, HiddenFlaggedMediaRetracted, HiddenTakedownToAnotherProvider, HiddenTakedownEnded,
    }

    public sealed record Step(Op Op, int X, int Y)
    {
        public override string ToString() => $"{Op}({X},{Y})";
    }

    private static readonly Gen<Step[]> Sequences =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 3], Gen.Int[0, Values - 1], (op, x, y) => new Step(op, x, y)).Array[4, 12];

    [Fact]
    public Task A_provider_sees_the_same_whether_or_not_media_and_requests_it_may_not_learn_of_exist() =>
        Sequences.SampleAsync(Compare, iter: 12, threads: 1, print: steps => string.Join(", ", steps.Select(s => s.ToString())));

    private sealed class World(HubFixture hub, bool withHiddenCase)
    {
        public HubFixture Hub { get; } = hub;
        public bool WithHiddenCase { get; } = withHiddenCase;
        public Observation Seen { get; } = new();
        public string? HiddenCase { get; set; }
        public string? BystanderCase { get; set; }
        /// The hidden case's requests to another provider by the value they name (world A), or ids nobody gave out for
        /// the same values (world B).
        public List<(string Value, string Id)> HiddenRequests { get; } = [];
        public List<string> VisibleRequests { get; } = [];
        /// The bystander's requests by the value they name, for its withdrawals.
        public Dictionary<string, string> BystanderRequests { get; } = [];
        public long FeedStart { get; set; }
        public long BystanderFeedStart { get; set; }
        /// The same in both worlds, unique per sequence: the observer's answers' command ids derive from it.
        public string Nonce { get; init; } = "";
    }

    private async Task Compare(Step[] steps)
    {
        var values = Enumerable.Range(0, Values).Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))).ToArray();
        var nonce = Guid.NewGuid().ToString("N");
        var a = new World(worlds.A, withHiddenCase: true) { Nonce = nonce };
        var b = new World(worlds.B, withHiddenCase: false) { Nonce = nonce };
        World[] both = [a, b];
        await Task.WhenAll(both.Select(async w =>
        {
            await CaughtUp(w.Hub);
            w.FeedStart = await w.Hub.Feed(Observer).LastPosition();
            w.BystanderFeedStart = await w.Hub.Feed(Bystander).LastPosition();
        }));
        foreach (var step in steps)
            await Task.WhenAll(both.Select(w => Do(w, step, values)));
        await Task.WhenAll(both.Select(async w =>
        {
            await CaughtUp(w.Hub);
            w.Seen.SawFeed(await w.Hub.Feed(Observer).ReadAll(w.FeedStart));
            w.Seen.Saw("bystander feed", (await w.Hub.Feed(Bystander).ReadAll(w.BystanderFeedStart)).Cast<Google.Protobuf.IMessage>());
        }));
        if (Observation.Difference(a.Seen, b.Seen) is { } difference)
            throw new Xunit.Sdk.XunitException($"{Observer} can tell the worlds apart ({string.Join(", ", steps.Select(s => s.ToString()))}):\n{difference}");
    }

    private static AddMediaRequest Media(string caseId, string sha256, bool flagged, int category) => new()
    {
        CommandId = NewId(), CaseId = caseId, Sha256 = sha256, Category = category, Distributed = true, VictimIdentified = true, ProviderFilter = flagged,
    };

    private static FileTakedownRequestRequest Filing(string caseId, string provider, string sha256) => new()
    {
        CommandId = NewId(), CaseId = caseId, Provider = provider, Media = { sha256 }, Locations = { "https://files.hoster.example/" + sha256[..8] }, Note = "please remove",
    };

    private static async Task Do(World w, Step step, string[] values)
    {
        var value = values[step.Y];
        var takedowns = new TakedownService.TakedownServiceClient(w.Hub.Channel(w.Hub.CertificateOf(Observer), "abuse-desk"));
        var what = step.ToString();
        switch (step.Op)
        {
            case Op.CheckHashes:
                await w.Seen.Call(what, () => new HashCheckService.HashCheckServiceClient(w.Hub.Channel(w.Hub.CertificateOf(Observer)))
                    .CheckHashesAsync(new CheckHashesRequest { Questions = { new HashQuestion { Sha256 = value }, new HashQuestion { Sha256 = values[step.X] } } }).ResponseAsync);
                break;
            case Op.ListNotices:
                // Only this sequence's requests: the list also holds earlier sequences', alike in both worlds.
                try
                {
                    var notices = await takedowns.ListNoticesAsync(new ListNoticesRequest { OpenOnly = step.X % 2 == 0 });
                    w.Seen.Saw(what, notices.Notices.Where(n => w.VisibleRequests.Contains(n.RequestId) || w.HiddenRequests.Any(h => h.Id == n.RequestId)).Cast<Google.Protobuf.IMessage>());
                    w.Seen.Note($"{what}: {notices.Notices.Count(n => w.HiddenRequests.Any(h => h.Id == n.RequestId))} hidden");
                }
                catch (RpcException failure) { w.Seen.Failed(what, failure); }
                break;
            case Op.GetHiddenNotice:
                await w.Seen.Call(what, () => takedowns.GetNoticeAsync(new GetNoticeRequest { RequestId = Hidden(w, step.X) }).ResponseAsync);
                break;
            case Op.AcknowledgeHiddenNotice:
                await w.Seen.Call(what, () => takedowns.AcknowledgeAsync(new AcknowledgeRequest { RequestId = Hidden(w, step.X) }).ResponseAsync);
                break;
            case Op.AnswerVisibleNotice:
                if (w.VisibleRequests.Count == 0) return;
                var index = step.X % w.VisibleRequests.Count;
                var visible = w.VisibleRequests[index];
                // The same step again is a retry under the same command id (replayed, or refused like the first).
                var answerId = $"{w.Nonce}-{index}-{step.Y % 2}";
                await w.Seen.Call(what, () => step.Y % 2 == 0
                    ? takedowns.AcknowledgeAsync(new AcknowledgeRequest { RequestId = visible, CommandId = answerId }).ResponseAsync
                    : takedowns.ReportRemovedAsync(new ReportRemovedRequest { RequestId = visible, CommandId = answerId }).ResponseAsync);
                break;
            case Op.BystanderFlagsAndFiles:
                var bystander = w.Hub.Cases(Bystander);
                // Its reference the same in both worlds: its feed names it.
                var opening = OpenCase(tlp: Tlp.Green);
                opening.Reference = "BYSTANDER-" + w.Nonce[..12];
                w.BystanderCase ??= (await bystander.OpenCaseAsync(opening)).CaseId;
                await Quietly(() => bystander.AddMediaAsync(Media(w.BystanderCase, value, flagged: true, category: 1)).ResponseAsync);
                if (await Quietly(() => bystander.FileTakedownRequestAsync(Filing(w.BystanderCase, Observer, value)).ResponseAsync) is { RequestId.Length: > 0 } filed)
                {
                    w.VisibleRequests.Add(filed.RequestId);
                    w.BystanderRequests[value] = filed.RequestId;
                }
                break;
            case Op.BystanderWithdraws:
                if (w.BystanderCase is null || !w.BystanderRequests.TryGetValue(value, out var mine)) return;
                await Quietly(() => w.Hub.Cases(Bystander).WithdrawTakedownRequestAsync(new WithdrawTakedownRequestRequest
                {
                    CommandId = NewId(), CaseId = w.BystanderCase, RequestId = mine, Reason = "filed in error",
                }).ResponseAsync);
                break;
            case Op.BystanderRetracts:
                // The media of one of its requests, and a round: the hub withdraws the request and tells the bystander.
                if (w.BystanderCase is null || w.BystanderRequests.Count == 0) return;
                var retracted = w.BystanderRequests.Keys.Order(StringComparer.Ordinal).ElementAt(step.X % w.BystanderRequests.Count);
                await Quietly(() => w.Hub.Cases(Bystander).RetractMediaAsync(new RetractMediaRequest
                {
                    CommandId = NewId(), CaseId = w.BystanderCase, FileHash = retracted, Reason = "not this case's image",
                }).ResponseAsync);
                await w.Hub.Factory.Services.GetRequiredService<Hub.Lifecycle.TimedWorkRunner>().RunRound(CancellationToken.None);
                break;
            case Op.TimedRound:
                await w.Hub.Factory.Services.GetRequiredService<Hub.Lifecycle.TimedWorkRunner>().RunRound(CancellationToken.None);
                break;
            case Op.HiddenUnflaggedMedia when w.WithHiddenCase:
                await Quietly(async () => await Owner(w).AddMediaAsync(Media(await HiddenCase(w), value, flagged: false, category: 5)));
                break;
            case Op.HiddenFlaggedMediaRestricted when w.WithHiddenCase:
                var restricting = await HiddenCase(w);
                if (await Quietly(async () => await Owner(w).AddMediaAsync(Media(restricting, value, flagged: true, category: 5))) is not null)
                    await Quietly(async () => await Owner(w).RestrictDataAsync(new RestrictDataRequest
                    {
                        CommandId = NewId(), CaseId = restricting, IdentifierKey = "sha256:" + value, Reason = "kept as evidence", LegalBasis = "LED Art. 16(3)(b)",
                    }));
                break;
            case Op.HiddenFlaggedMediaRetracted when w.WithHiddenCase:
                var retracting = await HiddenCase(w);
                if (await Quietly(async () => await Owner(w).AddMediaAsync(Media(retracting, value, flagged: true, category: 5))) is not null)
                    await Quietly(async () => await Owner(w).RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = retracting, FileHash = value, Reason = "wrong case" }));
                break;
            case Op.HiddenTakedownToAnotherProvider:
                // Material of its own (derived from the value, the same in both worlds): the observer's hash checks and the
                // bystander never touch it, so the filing only ever finds its own earlier request open.
                var material = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("other provider " + value)));
                if (w.HiddenRequests.Any(h => h.Value == material)) return;
                if (!w.WithHiddenCase)
                {
                    w.HiddenRequests.Add((material, Guid.CreateVersion7().ToString()));
                    return;
                }
                var filing = await HiddenCase(w);
                await Owner(w).AddMediaAsync(Media(filing, material, flagged: false, category: 5));
                w.HiddenRequests.Add((material, (await Owner(w).FileTakedownRequestAsync(Filing(filing, OtherProvider, material))).RequestId));
                break;
            case Op.HiddenTakedownEnded when w.WithHiddenCase && w.HiddenRequests.Count > 0:
                // Withdrawn by its unit, or its media retracted so that the hub withdraws it at the next round.
                var (hiddenValue, hiddenId) = w.HiddenRequests[step.X % w.HiddenRequests.Count];
                await Quietly(async () => step.Y % 2 == 0
                    ? await Owner(w).WithdrawTakedownRequestAsync(new WithdrawTakedownRequestRequest { CommandId = NewId(), CaseId = w.HiddenCase, RequestId = hiddenId, Reason = "no longer needed" })
                    : await Owner(w).RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = w.HiddenCase, FileHash = hiddenValue, Reason = "wrong case" }));
                break;
        }
    }

    private static CaseService.CaseServiceClient Owner(World w) => w.Hub.Cases(HiddenOwner);

    /// Opened on first use, in world A only: a RED case nobody else may see.
    private static async Task<string> HiddenCase(World w) => w.HiddenCase ??= await Owner(w).OpenedCase(Tlp.Red);

    /// A hidden request's id in world A; in world B (or before there is one) an id nobody gave out, so that the
    /// observer asks about an id in both.
    private static string Hidden(World w, int x) => w.HiddenRequests.Count > 0 ? w.HiddenRequests[x % w.HiddenRequests.Count].Id : Guid.CreateVersion7().ToString();

    private static async Task<T?> Quietly<T>(Func<Task<T>> call) where T : class
    {
        try { return await call(); }
        catch (RpcException) { return null; }
    }

    private static async Task CaughtUp(HubFixture hub)
    {
        var store = hub.Factory.Services.GetRequiredService<Marten.IDocumentStore>();
        if ((await store.Advanced.FetchEventStoreStatistics()).EventCount > 0) await hub.ProjectionsCaughtUp();
    }
}
