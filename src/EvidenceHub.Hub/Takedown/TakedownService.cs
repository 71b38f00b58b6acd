using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Store;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Grpc.Core;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Takedown;

/// Hosting parties answer the takedown requests addressed to them; units and auditors read each request's history.
/// Every call, answered or refused, leaves one access record before its answer leaves.
public sealed class TakedownService(IDocumentStore store, AccessLog accessLog, TimeProvider clock, IOptions<TakedownOptions> options)
    : Contracts.V1.TakedownService.TakedownServiceBase
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const int MaxJustificationLength = 1000;

    /// A provider's reads and answers serve one purpose, as its hash checks do.
    public const string ProviderPurpose = "hosting party handling takedown requests";

    [Authorize(Roles = Roles.Provider)]
    public override Task<TakedownNotices> ListNotices(ListNoticesRequest request, ServerCallContext context) =>
        Recorded<TakedownNotices>(context, ProviderPurpose, $"takedown requests addressed to it{(request.OpenOnly ? ", open only" : "")}", async (caller, _, about) =>
        {
            var (size, after) = Page(request.PageSize, request.PageToken);
            var (records, next, keys) = await Query(caller, null, request.OpenOnly, size, after, context.CancellationToken);
            var answer = new TakedownNotices { Notices = { records.Select(r => TakedownMapping.Notice(r, keys)) }, NextPageToken = next };
            return (answer, $"{records.Count} takedown requests: {string.Join(", ", records.Select(r => r.Id))}");
        });

    [Authorize(Roles = Roles.Provider)]
    public override Task<TakedownNotice> GetNotice(GetNoticeRequest request, ServerCallContext context) =>
        Recorded<TakedownNotice>(context, ProviderPurpose, $"takedown request {request.RequestId}", async (caller, _, about) =>
        {
            var id = TakedownAnswer.IdOf(request.RequestId);
            await using var session = store.QuerySession();
            var record = TakedownAnswer.Addressed(await session.LoadAsync<TakedownRecord>(id, context.CancellationToken), id, caller);
            about.CaseId = record.CaseId;
            var keys = await TakedownMapping.KeysOf(session, [record], context.CancellationToken);
            return (TakedownMapping.Notice(record, keys), $"takedown request {record.Id} as its provider sees it");
        });

    [Authorize(Roles = Roles.Provider)]
    public override Task<TakedownNotice> Acknowledge(AcknowledgeRequest request, ServerCallContext context) =>
        Answer(context, request, $"acknowledge takedown request {request.RequestId}", () => TakedownAnswer.Acknowledge(request));

    [Authorize(Roles = Roles.Provider)]
    public override Task<TakedownNotice> ReportRemoved(ReportRemovedRequest request, ServerCallContext context) =>
        Answer(context, request, $"report removal for takedown request {request.RequestId}", () => TakedownAnswer.Removed(request));

    [Authorize(Roles = Roles.Provider)]
    public override Task<TakedownNotice> Refuse(RefuseRequest request, ServerCallContext context) =>
        Answer(context, request, $"refuse takedown request {request.RequestId}", () => TakedownAnswer.Refuse(request));

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override Task<Contracts.V1.TakedownRequest> GetTakedownRequest(GetTakedownRequestRequest request, ServerCallContext context) =>
        Recorded(context, Justifications.Required(request.Justification, "justification", MaxJustificationLength), $"takedown request {request.RequestId}", async (caller, _, about) =>
        {
            var id = TakedownAnswer.IdOf(request.RequestId);
            await using var session = store.QuerySession();
            var record = await session.LoadAsync<TakedownRecord>(id, context.CancellationToken);
            if (record is null || !await MaySee(session, caller, record, context.CancellationToken)) throw TakedownAnswer.NotFound(id);
            about.CaseId = record.CaseId;
            var keys = await TakedownMapping.KeysOf(session, [record], context.CancellationToken);
            return (TakedownMapping.ToProto(record, options.Value.RenotifyInterval, keys), $"takedown request {record.Id} with its history");
        });

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override Task<TakedownRequests> ListTakedownRequests(ListTakedownRequestsRequest request, ServerCallContext context) =>
        Recorded(context, Justifications.Required(request.Justification, "justification", MaxJustificationLength),
            "takedown requests" + (request.CaseId.Length + request.CaseReference.Length > 0 ? $" of case {request.CaseId}{request.CaseReference}" : ""),
            async (caller, _, about) =>
            {
                var (size, after) = Page(request.PageSize, request.PageToken);
                Guid? caseId = null;
                if (request.CaseId.Length > 0 || request.CaseReference.Length > 0)
                {
                    var address = CaseAddress.Of(request.CaseId, request.CaseReference);
                    await using var session = store.QuerySession();
                    var references = address.Reference is null ? [] : await CaseAddress.References(session, caller.UnitId, [address.Reference], context.CancellationToken);
                    about.CaseId = caseId = address.Resolve(references).Id;
                }
                var (records, next, keys) = await Query(caller, caseId, request.OpenOnly, size, after, context.CancellationToken);
                var answer = new TakedownRequests { Requests = { records.Select(r => TakedownMapping.ToProto(r, options.Value.RenotifyInterval, keys)) }, NextPageToken = next };
                return (answer, $"{records.Count} takedown requests with their history: {string.Join(", ", records.Select(r => r.Id))}");
            });

    /// The requesting unit, the case's owner and co-leads, and auditors.
    private static async Task<bool> MaySee(IQuerySession session, Caller caller, TakedownRecord record, CancellationToken cancellation)
    {
        if (caller.Is(Roles.Auditor) || record.RequestingUnit == caller.UnitId) return true;
        return await session.LoadAsync<CaseFile>(record.CaseId, cancellation) is { } file && file.IsLedBy(caller.UnitId);
    }

    /// An answer with a command_id is idempotent like every command: its receipt (the notice without its texts, which
    /// stay sealed in the events only) is stored with its event, and a retry under the same id answers it; another
    /// answer under a used id is ALREADY_EXISTS. The provider's words are sealed under the case's subject.
    private async Task<TakedownNotice> Answer(ServerCallContext context, IMessage request, string asked, Func<TakedownAnswer> answering) =>
        await Recorded(context, ProviderPurpose, asked, async (caller, correlationId, about) =>
        {
            var answer = answering();
            var receiptId = answer.CommandId is { } commandId ? CommandReceipt.IdFor(caller.UnitId, commandId) : null;
            await using var session = store.SessionFor(caller, correlationId);
            if (receiptId is not null && await session.LoadAsync<CommandReceipt>(receiptId, context.CancellationToken) is { } earlier)
                return Replayed(earlier, request, answer, about);
            var stream = await session.Events.FetchForWriting<TakedownRecord>(answer.RequestId, context.CancellationToken);
            if (stream.Aggregate?.Provider == caller.UnitId) about.CaseId = stream.Aggregate.CaseId;
            var file = stream.Aggregate?.Provider == caller.UnitId ? await session.LoadAsync<CaseFile>(stream.Aggregate.CaseId, context.CancellationToken) : null;
            var keys = file?.TextSubject is { } subject ? await SubjectKeyStore.Load(session, [subject], context.CancellationToken) : new SubjectKeyRing();
            var decided = answer.Decide(stream.Aggregate, caller, keys, file?.TextSubject, TakedownAnswer.Stored(clock.GetUtcNow()));
            stream.AppendOne(decided);
            var record = TakedownRecord.Fold(stream.Aggregate, decided, caller.UnitId, caller.User)!;
            var notice = TakedownMapping.Notice(record, keys);
            if (receiptId is not null)
            {
                var stored = notice.Clone();
                (stored.Note, stored.Answer, stored.WithdrawalReason) = ("", "", "");
                session.Insert(new CommandReceipt
                {
                    Id = receiptId, Fingerprint = CommandReceipt.FingerprintOf(request), Result = stored.ToByteArray(), CaseId = record.CaseId,
                });
            }
            try { await session.SaveChangesAsync(context.CancellationToken); }
            catch (Exception collision) when (receiptId is not null && collision is DocumentAlreadyExistsException or ConcurrencyException)
            {
                // A retry that raced the first attempt: the winner's answer stands.
                await using var reader = store.QuerySession();
                if (await reader.LoadAsync<CommandReceipt>(receiptId, context.CancellationToken) is { } winner) return Replayed(winner, request, answer, about);
                throw Concurrent(answer);
            }
            catch (ConcurrencyException) { throw Concurrent(answer); }
            return (notice, $"takedown request {record.Id} now {record.Status.ToString().ToLowerInvariant()}; {record.RequestingUnit} is told");
        });

    private static Rejection Concurrent(TakedownAnswer answer) =>
        Rejection.Aborted("CONCURRENT_CHANGE", $"Takedown request {answer.RequestId} changed while the answer was recorded; read it and answer again.");

    /// The stored notice of the first answer under the command id; a different answer under it is refused.
    private static (TakedownNotice, string) Replayed(CommandReceipt receipt, IMessage request, TakedownAnswer answer, About about)
    {
        var notice = (TakedownNotice)receipt.Replay(TakedownNotice.Parser, CommandReceipt.FingerprintOf(request), answer.CommandId!);
        notice.Replayed = true;
        about.CaseId = receipt.CaseId;
        return (notice, $"takedown request {notice.RequestId}: answered before under command id {answer.CommandId} (replayed, nothing changed)");
    }

    /// The case a call turned out to be about, once the caller may see the request: its access record names it, so
    /// that auditors find a case's takedown steps together (access records are the auditors', never a provider's).
    private sealed class About
    {
        public Guid? CaseId { get; set; }
    }

    /// Runs a read or an answer and records it: allowed with what it disclosed, or refused with the status.
    private async Task<T> Recorded<T>(ServerCallContext context, string justification, string asked, Func<Caller, string, About, Task<(T Answer, string Disclosed)>> run)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        var draft = AccessEntry.For(caller, context.Method[(context.Method.LastIndexOf('/') + 1)..], correlationId).Justified(justification).Asking(asked);
        var about = new About();
        try
        {
            var (answer, disclosed) = await run(caller, correlationId, about);
            await accessLog.Record(draft.AboutCase(about.CaseId).Allowed(disclosed), context.CancellationToken);
            return answer;
        }
        catch (Rejection refused)
        {
            await accessLog.Record(draft.AboutCase(about.CaseId).NotAnswered(refused.Status), context.CancellationToken);
            throw;
        }
    }

    private static (int Size, (DateTimeOffset FiledAt, Guid Id)? After) Page(int pageSize, string token)
    {
        if (pageSize < 0) throw Rejection.InvalidArgument("page_size", "must not be negative");
        var size = pageSize == 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);
        if (token.Length == 0) return (size, null);
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && Guid.TryParse(parts[1], out var id))
                return (size, (new DateTimeOffset(ticks, TimeSpan.Zero), id));
        }
        catch (FormatException) { }
        catch (ArgumentOutOfRangeException) { }
        throw Rejection.InvalidArgument("page_token", "is not a token this hub gave out");
    }

    /// Newest first, keyed by (filed at, id). What the caller may not see is filtered in the query: a provider's own
    /// requests; for a unit, those it filed and those of cases it leads; for an auditor, all.
    private async Task<(IReadOnlyList<TakedownRecord>, string, SubjectKeyRing)> Query(Caller caller, Guid? caseId, bool openOnly, int size,
        (DateTimeOffset FiledAt, Guid Id)? after, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        string Table<TDoc>() => session.DocumentStore.Options.FindOrResolveDocumentType(typeof(TDoc)).TableName.QualifiedName;
        var where = new List<string>();
        var parameters = new List<object>();
        if (caller.Is(Roles.Provider))
        {
            where.Add("r.data ->> 'Provider' = ?");
            parameters.Add(caller.UnitId);
        }
        else if (!caller.Is(Roles.Auditor))
        {
            where.Add($"(r.data ->> 'RequestingUnit' = ? OR EXISTS (SELECT 1 FROM {Table<CaseFile>()} c WHERE c.id = CAST(r.data ->> 'CaseId' AS uuid) " +
                      "AND (c.data ->> 'OwnerUnit' = ? OR jsonb_exists(c.data -> 'CoLeads', ?))))");
            parameters.AddRange([caller.UnitId, caller.UnitId, caller.UnitId]);
        }
        if (caseId is { } id)
        {
            where.Add("r.data ->> 'CaseId' = ?");
            parameters.Add(id.ToString());
        }
        if (openOnly) where.Add("r.data ->> 'Status' IN ('Open', 'Acknowledged')");
        if (after is { } key)
        {
            where.Add("(CAST(r.data ->> 'FiledAt' AS timestamptz), r.id) < (?, ?)");
            parameters.AddRange([key.FiledAt, key.Id]);
        }
        parameters.Add(size + 1);
        var found = (await session.QueryAsync<TakedownRecord>(
            $"SELECT r.data FROM {Table<TakedownRecord>()} r {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} " +
            "ORDER BY CAST(r.data ->> 'FiledAt' AS timestamptz) DESC, r.id DESC LIMIT ?", cancellation, [.. parameters])).ToList();
        var next = "";
        if (found.Count > size)
        {
            var last = found[size - 1];
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.FiledAt.UtcTicks}|{last.Id}"));
            found.RemoveAt(size);
        }
        return (found, next, await TakedownMapping.KeysOf(session, found, cancellation));
    }
}
