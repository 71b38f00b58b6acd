using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Telemetry;
using EvidenceHub.Hub.Victims;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Cases;

/// The case API for national units; GetCase also serves auditors.
public sealed class CaseService(
    CaseCommandExecutor executor, UnitRegistry units, IQuerySession query, AccessLog accessLog, TimeProvider clock,
    IOptions<CorrelationOptions> correlation, NotToCorrelateMarks notToCorrelate, IOptions<HubLimits> limits, IOptions<HandoffOptions> handoffs)
    : Contracts.V1.CaseService.CaseServiceBase
{
    public const int MaxJustificationLength = 1000;
    public const int MaxSyncBurst = 500;
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> OpenCase(OpenCaseRequest request, ServerCallContext context) =>
        Run(context, request, (caller, _) => CaseRequests.Open(caller, request, units));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AddSuspectIdentifier(AddSuspectIdentifierRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => IdentifierRequests.Add(caller, request, caseId, correlation.Value, limits.Value.Cases)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RetractSuspectIdentifier(RetractSuspectIdentifierRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => IdentifierRequests.Retract(caller, request, caseId)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<MarkNotToCorrelateResult> MarkNotToCorrelate(MarkNotToCorrelateRequest request, ServerCallContext context) =>
        notToCorrelate.Mark(Caller.From(context.GetHttpContext()), request, HubTelemetry.CorrelationIdOf(context), context.CancellationToken);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> LinkVictim(LinkVictimRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => VictimRequests.Link(caller, request, caseId, clock, limits.Value.Cases)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RequestHandoff(RequestHandoffRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => HandoffRequests.Request(caller, request, caseId, units, clock, handoffs.Value)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AcceptHandoff(AcceptHandoffRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => HandoffRequests.Accept(caller, request, caseId, clock)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> DeclineHandoff(DeclineHandoffRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => HandoffRequests.Decline(caller, request, caseId, clock)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CancelHandoff(CancelHandoffRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => HandoffRequests.Cancel(caller, request, caseId, clock)));

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CloseCase(CloseCaseRequest request, ServerCallContext context) =>
        Run(context, request, (caller, references) => On(request.CaseId, request.CaseReference, references,
            caseId => CaseRequests.Close(caller, request, caseId)));

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
        // Ends the pending read of the request stream when the handler ends early: a read still in progress after
        // the handler returned breaks a later call on the same HTTP/2 connection ("Reading is already in progress").
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellation);

        var receiving = Task.Run(async () =>
        {
            try
            {
                await foreach (var command in requestStream.ReadAllAsync(stopReading.Token))
                    await inbox.Writer.WriteAsync(command, stopReading.Token);
                inbox.Writer.Complete();
            }
            catch (Exception exception) { inbox.Writer.Complete(exception); }
        }, CancellationToken.None);

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
                var commands = new CaseCommand?[burst.Count];
                var runnable = new List<(int Index, CaseCommand Command)>(burst.Count);
                // The references the burst names, in one query; a case the burst opens is named by its reference from
                // then on (unless the unit already holds that reference: then the open fails and the old case it is).
                var references = await CaseAddress.References(query, caller.UnitId,
                    burst.Select(c => StringField(RequestOf(c), "case_reference")), cancellation);
                for (var i = 0; i < burst.Count; i++)
                {
                    // Whatever a command's checks throw is that command's answer; only an outage ends the stream.
                    try
                    {
                        if (Undecodable.Of(burst[i]) is { } undecodable) throw undecodable;
                        var command = commands[i] = ToCaseCommand(caller, burst[i], references);
                        if (command.OpensCase) references.TryAdd(burst[i].OpenCase.Reference.Trim(), command.CaseId);
                        runnable.Add((i, command));
                    }
                    catch (Exception failure) when (!RpcStatusMapping.EndsTheCall(failure, cancellation)) { outcomes[i] = new CommandOutcome(null, failure); }
                }
                var ran = await executor.ExecuteBurst(caller, runnable.Select(r => r.Command).ToList(), correlationId, cancellation);
                for (var r = 0; r < runnable.Count; r++) outcomes[runnable[r].Index] = ran[r];
                HubTelemetry.CountOutcomes(outcomes.Select(o => o.Result is not null));

                // Every refused or failed command is in the access log before its answer leaves.
                var statuses = outcomes.Select(o => o.Failure is { } failure ? RpcStatusMapping.ToStatus(failure, context) : null).ToArray();
                var refusals = new List<AccessEntry>();
                for (var i = 0; i < burst.Count; i++)
                    if (statuses[i] is { } status)
                        refusals.Add(Undecodable.Of(burst[i]) is null
                            ? Refusal(caller, RequestOf(burst[i]), commands[i], status, correlationId, inSync: true)
                            : new AccessEntry(caller, nameof(Sync), AccessOutcome.Refused, null, $"command {sequence + i} in Sync: {RefusalRecords.UndecodableRequest}",
                                RefusalRecords.Nothing(status), null, correlationId));
                await accessLog.RecordItems(refusals, cancellation);

                var results = new List<SyncResult>(burst.Count);
                for (var i = 0; i < burst.Count; i++)
                {
                    var result = new SyncResult { Sequence = sequence++, CommandId = Fields.Bounded(CommandIdOf(burst[i]), Fields.MaxCommandIdLength) };
                    if (outcomes[i].Result is { } done) result.Result = done;
                    else result.Error = statuses[i];
                    results.Add(result);
                }
                // One burst's results in flight at most: a client that stops reading holds the hub back, not its memory.
                await sending;
                sending = Send(results);
            }
        }
        catch
        {
            // The stream's own failure is what the caller learns; the results being sent end first either way, and
            // so does the read of the request stream.
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await stopReading.CancelAsync();
            await receiving;
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
        var address = CaseAddress.Of(request.CaseId, request.CaseReference);
        var justification = Audit.Justifications.Required(request.Justification, "justification", MaxJustificationLength);
        var reading = AccessEntry.For(caller, nameof(GetCase), HubTelemetry.CorrelationIdOf(context)).Justified(justification);
        return await context.GetHttpContext().RequestServices.GetRequiredService<CaseReader>()
            .Current(reading, address, request.PageSize, request.PageToken, context.CancellationToken);
    }

    /// One command: its case named by id or by the caller's reference (resolved here), executed, and if refused, the
    /// refusal recorded before it is answered.
    private async Task<CommandResult> Run(ServerCallContext context, IMessage request, Func<Caller, IReadOnlyDictionary<string, Guid>, CaseCommand> build)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        CaseCommand? command = null;
        try
        {
            var references = await CaseAddress.References(query, caller.UnitId, [StringField(request, "case_reference")], context.CancellationToken);
            command = build(caller, references);
            var result = await executor.Execute(caller, command, correlationId, context.CancellationToken);
            HubTelemetry.CountOutcomes([true]);
            return result;
        }
        catch (Rejection rejection)
        {
            HubTelemetry.CountOutcomes([false]);
            await accessLog.Record(Refusal(caller, request, command, rejection.Status, correlationId, inSync: false), context.CancellationToken);
            throw;
        }
    }

    /// A command on an existing case, named by case_id or case_reference.
    private static CaseCommand On(string caseId, string caseReference, IReadOnlyDictionary<string, Guid> references, Func<Guid, CaseCommand> build)
    {
        var target = CaseAddress.Of(caseId, caseReference).Resolve(references);
        return build(target.Id) with { CaseReference = target.Reference };
    }

    private CaseCommand ToCaseCommand(Caller caller, SyncCommand command, IReadOnlyDictionary<string, Guid> references) => command.CommandCase switch
    {
        SyncCommand.CommandOneofCase.OpenCase => CaseRequests.Open(caller, command.OpenCase, units),
        SyncCommand.CommandOneofCase.AddSuspectIdentifier => On(command.AddSuspectIdentifier.CaseId, command.AddSuspectIdentifier.CaseReference, references,
            caseId => IdentifierRequests.Add(caller, command.AddSuspectIdentifier, caseId, correlation.Value, limits.Value.Cases)),
        SyncCommand.CommandOneofCase.RetractSuspectIdentifier => On(command.RetractSuspectIdentifier.CaseId, command.RetractSuspectIdentifier.CaseReference, references,
            caseId => IdentifierRequests.Retract(caller, command.RetractSuspectIdentifier, caseId)),
        SyncCommand.CommandOneofCase.LinkVictim => On(command.LinkVictim.CaseId, command.LinkVictim.CaseReference, references,
            caseId => VictimRequests.Link(caller, command.LinkVictim, caseId, clock, limits.Value.Cases)),
        SyncCommand.CommandOneofCase.RequestHandoff => On(command.RequestHandoff.CaseId, command.RequestHandoff.CaseReference, references,
            caseId => HandoffRequests.Request(caller, command.RequestHandoff, caseId, units, clock, handoffs.Value)),
        SyncCommand.CommandOneofCase.AcceptHandoff => On(command.AcceptHandoff.CaseId, command.AcceptHandoff.CaseReference, references,
            caseId => HandoffRequests.Accept(caller, command.AcceptHandoff, caseId, clock)),
        SyncCommand.CommandOneofCase.DeclineHandoff => On(command.DeclineHandoff.CaseId, command.DeclineHandoff.CaseReference, references,
            caseId => HandoffRequests.Decline(caller, command.DeclineHandoff, caseId, clock)),
        SyncCommand.CommandOneofCase.CancelHandoff => On(command.CancelHandoff.CaseId, command.CancelHandoff.CaseReference, references,
            caseId => HandoffRequests.Cancel(caller, command.CancelHandoff, caseId, clock)),
        SyncCommand.CommandOneofCase.CloseCase => On(command.CloseCase.CaseId, command.CloseCase.CaseReference, references,
            caseId => CaseRequests.Close(caller, command.CloseCase, caseId)),
        _ => throw Rejection.InvalidArgument("command", "is empty: set one of the commands"),
    };

    /// The access record of a refused command: the operation, the case asked for (by id, or by the caller's
    /// reference) and what was refused. The case id is recorded even when no such case exists or the caller may not
    /// see it, so that an auditor finds probes of a case among its records.
    private static AccessEntry Refusal(Caller caller, IMessage? request, CaseCommand? command, Google.Rpc.Status status, string correlationId, bool inSync)
    {
        var operation = request?.Descriptor.Name is { } name ? (name.EndsWith("Request", StringComparison.Ordinal) ? name[..^"Request".Length] : name) : nameof(Sync);
        Guid? caseId = Guid.TryParse(StringField(request, "case_id"), out var asked) ? asked
            : command is { OpensCase: false } ? command.CaseId : null;
        var reference = StringField(request, "case_reference").Trim();
        if (reference.Length > Fields.MaxReferenceLength) reference = reference[..Fields.MaxReferenceLength];
        var what = operation + (caseId is { } id ? $" on case {id}" : "") + (reference.Length > 0 ? $" (case reference {reference})" : "") + (inSync ? " in Sync" : "");
        return new AccessEntry(caller, operation, RefusalRecords.OutcomeOf(status), null, what, RefusalRecords.Nothing(status), caseId, correlationId);
    }

    private static IMessage? RequestOf(SyncCommand command) => command.CommandCase switch
    {
        SyncCommand.CommandOneofCase.OpenCase => command.OpenCase,
        SyncCommand.CommandOneofCase.AddSuspectIdentifier => command.AddSuspectIdentifier,
        SyncCommand.CommandOneofCase.LinkVictim => command.LinkVictim,
        SyncCommand.CommandOneofCase.RequestHandoff => command.RequestHandoff,
        SyncCommand.CommandOneofCase.AcceptHandoff => command.AcceptHandoff,
        SyncCommand.CommandOneofCase.DeclineHandoff => command.DeclineHandoff,
        SyncCommand.CommandOneofCase.CancelHandoff => command.CancelHandoff,
        SyncCommand.CommandOneofCase.CloseCase => command.CloseCase,
        SyncCommand.CommandOneofCase.RetractSuspectIdentifier => command.RetractSuspectIdentifier,
        _ => null,
    };

    private static string StringField(IMessage? message, string field) =>
        message?.Descriptor.FindFieldByName(field)?.Accessor.GetValue(message) as string ?? "";

    private static string CommandIdOf(SyncCommand command) => StringField(RequestOf(command), "command_id");
}
