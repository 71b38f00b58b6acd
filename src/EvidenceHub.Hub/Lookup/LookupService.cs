using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;

namespace EvidenceHub.Hub.Lookup;

/// Hit / no-hit for partners and units; the suspect network for units and auditors.
public sealed class LookupService(HitQuery hits, SuspectNetworks networks, BlindTokens tokens, IQuerySession query, AccessLog accessLog,
    LookupQuota quota, IOptions<HubLimits> limits)
    : Contracts.V1.LookupService.LookupServiceBase
{
    public const int MaxBatchChunk = 500;
    public const int MaxItemIdLength = 128;
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    [Authorize(Roles = $"{Roles.Partner},{Roles.Unit}")]
    public override async Task<LookupAnswer> Lookup(LookupRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justified(request.Justification);
        quota.Spend(caller);
        var (question, answer, disclosed) = (await hits.Answer(query, [hits.Resolve(request.Identifier, caller)], caller, context.CancellationToken))[0];
        await accessLog.Record(Entry(caller, nameof(Lookup), justification, question, answer, context) with { DisclosedCases = disclosed ?? [] }, context.CancellationToken);
        return answer;
    }

    /// Answers in chunks as the identifiers arrive: each chunk costs one query and one access-log write, and its
    /// answers leave only once the chunk's access records are stored. Chunks overlap: while one chunk's records are
    /// committed and its answers sent, the next chunk is read and queried; answers still leave in order.
    [Authorize(Roles = $"{Roles.Partner},{Roles.Unit}")]
    public override async Task BatchLookup(IAsyncStreamReader<BatchLookupRequest> requestStream, IServerStreamWriter<LookupAnswer> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var cancellation = context.CancellationToken;
        string? justification = null;
        // Each item with the justification it was asked under (the latest one stated), or the error it fails with.
        var pending = new List<(BatchLookupRequest Request, string? Justification, HitQuery.Question? Question, Google.Rpc.Status? Error)>();
        var sending = Task.CompletedTask;

        async Task Flush()
        {
            var questions = pending.Where(p => p.Question is not null).Select(p => p.Question!).ToList();
            var answers = new Queue<(HitQuery.Answered? Answered, Google.Rpc.Status? Error)>(await AnswerEach(questions));
            var entries = new List<AccessEntry>();
            var replies = new List<LookupAnswer>();
            foreach (var (request, itemJustification, question, itemError) in pending)
            {
                var (answered, error) = question is null ? (null, itemError) : answers.Dequeue();
                var answer = answered?.Answer ?? new LookupAnswer { Error = error };
                answer.ItemId = RequestFields.Bounded(request.ItemId, MaxItemIdLength);
                // Every item leaves a record: what it disclosed, or that it was refused (or failed) and why.
                entries.Add(answered is not null
                    ? Entry(caller, nameof(BatchLookup), itemJustification, answered.Question, answer, context) with { DisclosedCases = answered.Cases ?? [] }
                    : ItemRefusal(caller, request, answer.ItemId, itemJustification, error!, context));
                replies.Add(answer);
            }
            pending.Clear();
            // Records of the chunk's items, not of the stream: should the stream fail, that is recorded too.
            var recorded = accessLog.RecordItems(entries, cancellation);
            // One chunk in flight at most: a client that stops reading holds the hub back, not its memory.
            await sending;
            sending = Send(recorded, replies);
        }

        // One query for the chunk; should it fail for anything but an outage, each question is asked alone, so that
        // only the one that fails answers with the error.
        async Task<IEnumerable<(HitQuery.Answered?, Google.Rpc.Status?)>> AnswerEach(List<HitQuery.Question> questions)
        {
            try { return (await hits.Answer(query, questions, caller, cancellation)).Select(a => ((HitQuery.Answered?)a, (Google.Rpc.Status?)null)); }
            catch (Exception failure) when (questions.Count > 1 && !RpcStatusMapping.EndsTheCall(failure, cancellation)) { }
            var each = new List<(HitQuery.Answered?, Google.Rpc.Status?)>(questions.Count);
            foreach (var question in questions)
            {
                try { each.Add(((await hits.Answer(query, [question], caller, cancellation))[0], null)); }
                catch (Exception failure) when (!RpcStatusMapping.EndsTheCall(failure, cancellation)) { each.Add((null, RpcStatusMapping.ToStatus(failure, context))); }
            }
            return each;
        }

        async Task Send(Task recorded, List<LookupAnswer> replies)
        {
            await recorded;
            for (var i = 0; i < replies.Count; i++)
            {
                // A chunk's answers leave in one flush rather than one network write each.
                responseStream.WriteOptions = i < replies.Count - 1 ? BufferedWrite : null;
                await responseStream.WriteAsync(replies[i], cancellation);
            }
        }

        // Ends the pending read of the request stream when the handler ends early: a read still in progress after
        // the handler returned breaks a later call on the same HTTP/2 connection ("Reading is already in progress").
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var reading = Task.FromResult(false);
        try
        {
            reading = requestStream.MoveNext(stopReading.Token);
            while (await reading)
            {
                var request = requestStream.Current;
                // The justification the item was asked under, once it is known to have one.
                string? itemJustification = null;
                try
                {
                    if (Undecodable.Of(request) is { } undecodable) throw undecodable;
                    // The first item's justification holds for the items after it, which may repeat, replace or omit it
                    // (an empty purpose is an omitted one); an item without any fails alone.
                    if (!string.IsNullOrWhiteSpace(request.Justification?.Purpose) || justification is null)
                        justification = Justified(request.Justification);
                    itemJustification = justification;
                    // Over the quota an item is answered RESOURCE_EXHAUSTED and the stream goes on.
                    quota.Spend(caller);
                    pending.Add((request, justification, hits.Resolve(request.Identifier, caller), null));
                }
                catch (Exception failure) when (!RpcStatusMapping.EndsTheCall(failure, cancellation))
                {
                    pending.Add((request, itemJustification, null, RpcStatusMapping.ToStatus(failure, context)));
                }

                reading = requestStream.MoveNext(stopReading.Token);
                // Answer what has arrived whenever the client pauses, or a chunk is full.
                if (pending.Count >= MaxBatchChunk || !reading.IsCompleted) await Flush();
            }
            if (pending.Count > 0) await Flush();
        }
        catch
        {
            // The stream's own failure is what the caller learns; the chunk being sent ends first either way, and
            // so does the read of the request stream.
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await stopReading.CancelAsync();
            await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        await sending;
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor},{Roles.Partner}")]
    public override async Task<SuspectNetwork> GetNetwork(GetNetworkRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justified(request.Justification);
        // The start is checked before the quota is spent: a refused request costs nothing.
        var start = request.StartCase switch
        {
            GetNetworkRequest.StartOneofCase.Identifier => (Question: hits.Resolve(request.Identifier, caller), CaseId: (Guid?)null),
            GetNetworkRequest.StartOneofCase.CaseId => (Question: null, CaseId: RequestFields.CaseId(request.CaseId)),
            _ => throw Rejection.InvalidArgument("start", "is required: an identifier or a case id"),
        };
        quota.Spend(caller);
        var (network, shown) = start.CaseId is { } caseId
            ? await networks.AroundCase(query, caseId, caller, context.CancellationToken)
            : await networks.AroundIdentifier(query, (await HitQuery.ResolveTokens(query, [start.Question!], context.CancellationToken))[0], caller, context.CancellationToken);
        await accessLog.Record(AccessEntry.For(caller, nameof(GetNetwork), HubTelemetry.CorrelationIdOf(context)).Justified(justification)
            .Asking(request.StartCase == GetNetworkRequest.StartOneofCase.CaseId ? $"network around case {request.CaseId}" : "network around an identifier")
            .Allowed($"{network.Cases.Count} cases ({string.Join(", ", network.Cases.Select(c => $"{c.OwnerUnit} {c.CaseReference}"))}), {network.Identifiers.Count} identifiers, victim counts by country")
            .WithIdentifierKeys(shown.SelectMany(c => c.Keys).Distinct().Order(StringComparer.Ordinal).ToArray(), limits.Value.Answers.AccessRecordMaxIdentifierKeys) with { DisclosedCases = shown },
            context.CancellationToken);
        quota.Charge(caller, network.Identifiers.Count - 1);
        return network;
    }

    [Authorize(Roles = $"{Roles.Partner},{Roles.Unit}")]
    public override async Task<BlindingKeys> GetBlindingKeys(GetBlindingKeysRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        await accessLog.Record(AccessEntry.For(caller, nameof(GetBlindingKeys), HubTelemetry.CorrelationIdOf(context)).Justified("blind lookups")
            .Asking("blinding keys").Allowed($"keys {string.Join(", ", tokens.Keys.Keys)}"), context.CancellationToken);
        var keys = new BlindingKeys();
        keys.Keys.AddRange(tokens.Keys.Select(k => new BlindingKey { KeyId = k.Key, Key = ByteString.CopyFrom(k.Value), Current = k.Key == tokens.CurrentKeyId }));
        return keys;
    }

    /// The hub's half of an OPRF blind lookup. The access record says who asked, how many elements and under which
    /// key: the hub cannot say which identifiers, since it never sees them.
    [Authorize(Roles = $"{Roles.Partner},{Roles.Unit}")]
    public override async Task<EvaluateBlindedReply> EvaluateBlinded(EvaluateBlindedRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justified(request.Justification);
        // A refused request costs no quota: the elements are checked before they are paid for.
        tokens.Oprf.Check(request.BlindedElements);
        quota.Spend(caller, request.BlindedElements.Count);
        var (keyId, evaluated) = tokens.Oprf.Evaluate(request.BlindedElements);
        await accessLog.Record(AccessEntry.For(caller, nameof(EvaluateBlinded), HubTelemetry.CorrelationIdOf(context)).Justified(justification)
            .Asking($"{evaluated.Count} blinded elements").Allowed($"{evaluated.Count} OPRF evaluations under key {keyId}"), context.CancellationToken);
        var reply = new EvaluateBlindedReply { KeyId = keyId };
        reply.EvaluatedElements.AddRange(evaluated);
        return reply;
    }

    private static string Justified(Justification? justification) =>
        Audit.Justifications.Required(justification, "justification", Audit.Justifications.MaxPurposeLength);

    /// The record of a BatchLookup item that was not answered: its item id and the reason it was refused (or
    /// failed), never the identifier it asked about; an undecodable item by its place in the stream alone.
    private static AccessEntry ItemRefusal(Caller caller, BatchLookupRequest request, string itemId, string? justification, Google.Rpc.Status error, ServerCallContext context)
    {
        var undecodable = Undecodable.Of(request) is not null;
        var asked = undecodable ? $"an item in BatchLookup: {RefusalRecords.UndecodableRequest}" : $"item {itemId} in BatchLookup";
        return AccessEntry.For(caller, nameof(BatchLookup), HubTelemetry.CorrelationIdOf(context)).Justified(justification).Asking(asked).NotAnswered(error);
    }

    private static AccessEntry Entry(Caller caller, string operation, string? justification, HitQuery.Question question, LookupAnswer answer, ServerCallContext context) =>
        AccessEntry.For(caller, operation, HubTelemetry.CorrelationIdOf(context)).Justified(justification).Asking(question.Asked)
            .AboutIdentifiers(question.Key is null ? [] : [question.Key]).Allowed(HitQuery.Disclosed(answer));
}
