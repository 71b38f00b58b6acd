using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;

namespace EvidenceHub.Hub.Lookup;

/// Hit / no-hit for partners and units; the suspect network for units and auditors.
public sealed class LookupService(Hits hits, SuspectNetworks networks, BlindTokens tokens, IQuerySession query, AccessLog accessLog)
    : Contracts.V1.LookupService.LookupServiceBase
{
    public const int MaxBatchChunk = 500;
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    [Authorize(Roles = $"{Roles.Partner},{Roles.Unit}")]
    public override async Task<LookupAnswer> Lookup(LookupRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justified(request.Justification);
        var (question, answer) = (await hits.Answer(query, [hits.Resolve(request.Identifier, caller)], caller, context.CancellationToken))[0];
        await accessLog.Record(Entry(caller, nameof(Lookup), justification, question, answer, context), context.CancellationToken);
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
        var pending = new List<(BatchLookupRequest Request, Hits.Question? Question, Google.Rpc.Status? Error)>();
        var sending = Task.CompletedTask;

        async Task Flush()
        {
            var answers = new Queue<Hits.Answered>(await hits.Answer(query, pending.Where(p => p.Question is not null).Select(p => p.Question!).ToList(), caller, cancellation));
            var entries = new List<AccessEntry>();
            var replies = new List<LookupAnswer>();
            foreach (var (request, _, error) in pending)
            {
                var answered = error is null ? answers.Dequeue() : null;
                var answer = answered?.Answer ?? new LookupAnswer { Error = error };
                answer.ItemId = request.ItemId;
                if (answered is not null) entries.Add(Entry(caller, nameof(BatchLookup), justification, answered.Question, answer, context));
                replies.Add(answer);
            }
            pending.Clear();
            var recorded = accessLog.Record(entries, cancellation);
            // One chunk in flight at most: a client that stops reading holds the hub back, not its memory.
            await sending;
            sending = Send(recorded, replies);
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

        try
        {
            var reading = requestStream.MoveNext(cancellation);
            while (await reading)
            {
                var request = requestStream.Current;
                if (request.Justification is not null) justification = Justified(request.Justification);
                justification ??= Justified(null);
                try { pending.Add((request, hits.Resolve(request.Identifier, caller), null)); }
                catch (Rejection rejection) { pending.Add((request, null, rejection.Status)); }

                reading = requestStream.MoveNext(cancellation);
                // Answer what has arrived whenever the client pauses, or a chunk is full.
                if (pending.Count >= MaxBatchChunk || !reading.IsCompleted) await Flush();
            }
            if (pending.Count > 0) await Flush();
        }
        catch
        {
            // The stream's own failure is what the caller learns; the chunk being sent ends first either way.
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        await sending;
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor},{Roles.Partner}")]
    public override async Task<SuspectNetwork> GetNetwork(GetNetworkRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justified(request.Justification);
        var network = request.StartCase switch
        {
            GetNetworkRequest.StartOneofCase.Identifier => await networks.AroundIdentifier(query,
                (await Hits.ResolveTokens(query, [hits.Resolve(request.Identifier, caller)], context.CancellationToken))[0], caller, context.CancellationToken),
            GetNetworkRequest.StartOneofCase.CaseId => await networks.AroundCase(query, Fields.CaseId(request.CaseId), caller, context.CancellationToken),
            _ => throw Rejection.InvalidArgument("start", "is required: an identifier or a case id"),
        };
        await accessLog.Record(new AccessEntry(caller, nameof(GetNetwork), AccessOutcome.Allowed, justification,
            request.StartCase == GetNetworkRequest.StartOneofCase.CaseId ? $"network around case {request.CaseId}" : "network around an identifier",
            $"{network.Cases.Count} cases ({string.Join(", ", network.Cases.Select(c => $"{c.OwnerUnit} {c.CaseReference}"))}), {network.Identifiers.Count} identifiers, victim counts by country",
            null, HubTelemetry.CorrelationIdOf(context))
        {
            IdentifierKeys = network.Identifiers.Select(i => i.Key).ToArray(),
        }, context.CancellationToken);
        return network;
    }

    [Authorize(Roles = $"{Roles.Partner},{Roles.Unit}")]
    public override async Task<BlindingKeys> GetBlindingKeys(GetBlindingKeysRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        await accessLog.Record(new AccessEntry(caller, nameof(GetBlindingKeys), AccessOutcome.Allowed, "blind lookups",
            "blinding keys", $"keys {string.Join(", ", tokens.Keys.Keys)}", null, HubTelemetry.CorrelationIdOf(context)), context.CancellationToken);
        var keys = new BlindingKeys();
        keys.Keys.AddRange(tokens.Keys.Select(k => new BlindingKey { KeyId = k.Key, Key = ByteString.CopyFrom(k.Value), Current = k.Key == tokens.CurrentKeyId }));
        return keys;
    }

    public static string Justified(Justification? justification)
    {
        var purpose = Audit.Justifications.Required(justification?.Purpose ?? "", "justification.purpose", 1000);
        var reference = Fields.Text(justification?.CaseReference ?? "", "justification.case_reference", Fields.MaxReferenceLength, required: false);
        return reference is null ? purpose : $"{purpose} (own case {reference})";
    }

    private static AccessEntry Entry(Caller caller, string operation, string? justification, Hits.Question question, LookupAnswer answer, ServerCallContext context) =>
        new(caller, operation, AccessOutcome.Allowed, justification, question.Asked, Hits.Disclosed(answer), null, HubTelemetry.CorrelationIdOf(context))
        {
            IdentifierKeys = question.Key is null ? [] : [question.Key],
        };
}
