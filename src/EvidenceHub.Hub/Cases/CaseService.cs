using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using EvidenceHub.Hub.Victims;
using System.Threading.Channels;
using Grpc.Core;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Cases;

/// The case API for national units; GetCase also serves auditors.
public sealed class CaseService(
    CaseCommandExecutor executor, UnitRegistry units, IQuerySession query, AccessLog accessLog, TimeProvider clock,
    IOptions<CorrelationOptions> correlation, NotToCorrelateMarks notToCorrelate, IOptions<HandoffOptions> handoffs)
    : Contracts.V1.CaseService.CaseServiceBase
{
    public const int MaxJustificationLength = 1000;
    public const int MaxSyncBurst = 500;
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> OpenCase(OpenCaseRequest request, ServerCallContext context) =>
        Run(context, caller => CaseRequests.Open(caller, request, units));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AddSuspectIdentifier(AddSuspectIdentifierRequest request, ServerCallContext context) =>
        Run(context, caller => IdentifierRequests.Add(caller, request, correlation.Value));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RetractSuspectIdentifier(RetractSuspectIdentifierRequest request, ServerCallContext context) =>
        Run(context, caller => IdentifierRequests.Retract(caller, request));

    [Authorize(Roles = Roles.Unit)]
    public override Task<MarkNotToCorrelateResult> MarkNotToCorrelate(MarkNotToCorrelateRequest request, ServerCallContext context) =>
        notToCorrelate.Mark(Caller.From(context.GetHttpContext()), request, HubTelemetry.CorrelationIdOf(context), context.CancellationToken);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> LinkVictim(LinkVictimRequest request, ServerCallContext context) =>
        Run(context, caller => VictimRequests.Link(caller, request, clock));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RequestHandoff(RequestHandoffRequest request, ServerCallContext context) =>
        Run(context, caller => HandoffRequests.Request(caller, request, units, clock, handoffs.Value));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AcceptHandoff(AcceptHandoffRequest request, ServerCallContext context) =>
        Run(context, caller => HandoffRequests.Accept(caller, request, clock));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> DeclineHandoff(DeclineHandoffRequest request, ServerCallContext context) =>
        Run(context, caller => HandoffRequests.Decline(caller, request, clock));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CancelHandoff(CancelHandoffRequest request, ServerCallContext context) =>
        Run(context, caller => HandoffRequests.Cancel(caller, request, clock));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CloseCase(CloseCaseRequest request, ServerCallContext context) =>
        Run(context, caller => CaseRequests.Close(caller, request));

    /// One result per command, in order; a bad command fails alone and the stream goes on. Commands that arrive
    /// together run as one burst (a handful of round trips and one transaction for up to 500 commands), which is what
    /// makes bulk sync fast; a burst's results are sent while the next burst runs.
    [Authorize(Roles = Roles.Unit)]
    public override async Task Sync(IAsyncStreamReader<SyncCommand> requestStream, IServerStreamWriter<SyncResult> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        var cancellation = context.CancellationToken;
        var inbox = Channel.CreateBounded<SyncCommand>(new BoundedChannelOptions(MaxSyncBurst * 4) { SingleReader = true, SingleWriter = true });

        var receiving = Task.Run(async () =>
        {
            try
            {
                await foreach (var command in requestStream.ReadAllAsync(cancellation))
                    await inbox.Writer.WriteAsync(command, cancellation);
                inbox.Writer.Complete();
            }
            catch (Exception exception) { inbox.Writer.Complete(exception); }
        }, cancellation);

        long sequence = 0;
        var burst = new List<SyncCommand>(MaxSyncBurst);
        var sending = Task.CompletedTask;
        try
        {
            while (await inbox.Reader.WaitToReadAsync(cancellation))
            {
                burst.Clear();
                while (burst.Count < MaxSyncBurst && inbox.Reader.TryRead(out var command)) burst.Add(command);

                var outcomes = new CommandOutcome[burst.Count];
                var runnable = new List<(int Index, CaseCommand Command)>(burst.Count);
                for (var i = 0; i < burst.Count; i++)
                {
                    try { runnable.Add((i, ToCaseCommand(caller, burst[i]))); }
                    catch (Rejection rejection) { outcomes[i] = new CommandOutcome(null, rejection); }
                }
                var ran = await executor.ExecuteBurst(caller, runnable.Select(r => r.Command).ToList(), correlationId, cancellation);
                for (var r = 0; r < runnable.Count; r++) outcomes[runnable[r].Index] = ran[r];
                HubTelemetry.CountOutcomes(outcomes.Select(o => o.Result is not null));

                var results = new List<SyncResult>(burst.Count);
                for (var i = 0; i < burst.Count; i++)
                {
                    var result = new SyncResult { Sequence = sequence++, CommandId = CommandIdOf(burst[i]) };
                    if (outcomes[i].Result is { } done) result.Result = done;
                    else result.Error = RpcStatusMapping.ToStatus(outcomes[i].Failure!, context);
                    results.Add(result);
                }
                // One burst's results in flight at most: a client that stops reading holds the hub back, not its memory.
                await sending;
                sending = Send(results);
            }
        }
        catch
        {
            // The stream's own failure is what the caller learns; the results being sent end first either way.
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        await sending;
        await receiving;

        async Task Send(List<SyncResult> results)
        {
            for (var i = 0; i < results.Count; i++)
            {
                // A burst's results leave in one flush rather than one network write each.
                responseStream.WriteOptions = i < results.Count - 1 ? BufferedWrite : null;
                await responseStream.WriteAsync(results[i], cancellation);
            }
        }
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task<Case> GetCase(GetCaseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        var caseId = Fields.CaseId(request.CaseId);
        var justification = Fields.RequiredText(request.Justification, "justification", MaxJustificationLength);
        var asked = $"case {caseId}";

        // The stream's version, the case file and its identifiers (kept in the identifier index) in one round trip; the
        // version first, so that a change in between can only make it stale (refused if sent back), never too new.
        var batch = query.CreateBatchQuery();
        var loadingStream = batch.Events.FetchStreamState(caseId);
        var loadingFile = batch.Load<CaseFile>(caseId);
        var loadingHoldings = batch.Query<IdentifierHolding>().Where(h => h.CaseId == caseId).ToList();
        await batch.Execute(context.CancellationToken);
        var file = await loadingFile;
        var now = clock.GetUtcNow();
        var sees = file is null ? CaseView.None : CaseVisibility.Of(file, caller, now);
        if (sees == CaseView.None)
        {
            await accessLog.Record(new AccessEntry(caller, nameof(GetCase), AccessOutcome.Refused, justification, asked, null, caseId, correlationId), context.CancellationToken);
            throw file is null
                ? Rejection.NotFound("case", caseId.ToString(), "case_id")
                : Rejection.PermissionDenied("CASE_NOT_VISIBLE", $"Case {caseId} is not visible to {caller.UnitId}.", caseId.ToString());
        }

        var holdings = await loadingHoldings;
        var identifiers = holdings.Select(h => h.ToCaseIdentifier()).Concat(file!.RetractedIdentifiers);
        // The last change is the file's, or a later identifier's (adding one leaves the file as it was).
        var updatedAt = holdings.Select(h => h.AddedAt).Append(file.UpdatedAt).Max();
        var revision = new CaseRevision((await loadingStream)!.Version, updatedAt);
        var answer = CaseMapping.ToProto(file, identifiers, revision, withVictims: sees == CaseView.Full, now);
        var disclosed = $"case {caseId} v{answer.Version}: {answer.Identifiers.Count} identifiers, " +
                        (sees == CaseView.Full ? $"{answer.VictimLinks.Count} victim links" : "victim links withheld") +
                        $", {answer.Handoffs.Count} handoffs";
        await accessLog.Record(new AccessEntry(caller, nameof(GetCase), AccessOutcome.Allowed, justification, asked, disclosed, caseId, correlationId)
        {
            IdentifierKeys = answer.Identifiers.Select(i => i.Key).ToArray(),
        }, context.CancellationToken);
        return answer;
    }

    private async Task<CommandResult> Run(ServerCallContext context, Func<Caller, CaseCommand> command)
    {
        var caller = Caller.From(context.GetHttpContext());
        try
        {
            var result = await executor.Execute(caller, command(caller), HubTelemetry.CorrelationIdOf(context), context.CancellationToken);
            HubTelemetry.CountOutcomes([true]);
            return result;
        }
        catch (Rejection)
        {
            HubTelemetry.CountOutcomes([false]);
            throw;
        }
    }

    private CaseCommand ToCaseCommand(Caller caller, SyncCommand command) => command.CommandCase switch
    {
        SyncCommand.CommandOneofCase.OpenCase => CaseRequests.Open(caller, command.OpenCase, units),
        SyncCommand.CommandOneofCase.AddSuspectIdentifier => IdentifierRequests.Add(caller, command.AddSuspectIdentifier, correlation.Value),
        SyncCommand.CommandOneofCase.RetractSuspectIdentifier => IdentifierRequests.Retract(caller, command.RetractSuspectIdentifier),
        SyncCommand.CommandOneofCase.LinkVictim => VictimRequests.Link(caller, command.LinkVictim, clock),
        SyncCommand.CommandOneofCase.RequestHandoff => HandoffRequests.Request(caller, command.RequestHandoff, units, clock, handoffs.Value),
        SyncCommand.CommandOneofCase.AcceptHandoff => HandoffRequests.Accept(caller, command.AcceptHandoff, clock),
        SyncCommand.CommandOneofCase.DeclineHandoff => HandoffRequests.Decline(caller, command.DeclineHandoff, clock),
        SyncCommand.CommandOneofCase.CancelHandoff => HandoffRequests.Cancel(caller, command.CancelHandoff, clock),
        SyncCommand.CommandOneofCase.CloseCase => CaseRequests.Close(caller, command.CloseCase),
        _ => throw Rejection.InvalidArgument("command", "is empty: set one of the commands"),
    };

    private static string CommandIdOf(SyncCommand command) => command.CommandCase switch
    {
        SyncCommand.CommandOneofCase.OpenCase => command.OpenCase.CommandId,
        SyncCommand.CommandOneofCase.AddSuspectIdentifier => command.AddSuspectIdentifier.CommandId,
        SyncCommand.CommandOneofCase.LinkVictim => command.LinkVictim.CommandId,
        SyncCommand.CommandOneofCase.RequestHandoff => command.RequestHandoff.CommandId,
        SyncCommand.CommandOneofCase.AcceptHandoff => command.AcceptHandoff.CommandId,
        SyncCommand.CommandOneofCase.DeclineHandoff => command.DeclineHandoff.CommandId,
        SyncCommand.CommandOneofCase.CancelHandoff => command.CancelHandoff.CommandId,
        SyncCommand.CommandOneofCase.CloseCase => command.CloseCase.CommandId,
        SyncCommand.CommandOneofCase.RetractSuspectIdentifier => command.RetractSuspectIdentifier.CommandId,
        _ => "",
    };
}
