using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Grpc.Core;
using AccessOutcome = EvidenceHub.Hub.Audit.AccessOutcome;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Cases;

/// The case API for national units; GetCase also serves auditors. Every command is one line onto the command catalog.
public sealed class CaseService(
    CommandCatalog catalog, CommandEngine engine, SyncPipeline sync, IQuerySession query, AccessLog accessLog, TimeProvider clock, IOptions<HubLimits> limits)
    : Contracts.V1.CaseService.CaseServiceBase
{
    public const int MaxJustificationLength = 1000;

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> OpenCase(OpenCaseRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AddSuspectIdentifier(AddSuspectIdentifierRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RetractSuspectIdentifier(RetractSuspectIdentifierRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<MarkNotToCorrelateResult> MarkNotToCorrelate(MarkNotToCorrelateRequest request, ServerCallContext context) => Run<MarkNotToCorrelateResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> LinkVictim(LinkVictimRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RequestHandoff(RequestHandoffRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AcceptHandoff(AcceptHandoffRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> DeclineHandoff(DeclineHandoffRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CancelHandoff(CancelHandoffRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CloseCase(CloseCaseRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task Sync(IAsyncStreamReader<SyncCommand> requestStream, IServerStreamWriter<SyncResult> responseStream, ServerCallContext context) =>
        sync.Run(requestStream, responseStream, context);

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task<Case> GetCase(GetCaseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        var address = CaseAddress.Of(request.CaseId, request.CaseReference);
        var justification = Audit.Justifications.Required(request.Justification, "justification", MaxJustificationLength);
        var references = await CaseAddress.References(query, caller.UnitId, address.Reference is { } named ? [named] : [], context.CancellationToken);
        CaseTarget target;
        try { target = address.Resolve(references); }
        catch (Rejection)
        {
            await accessLog.Record(new AccessEntry(caller, nameof(GetCase), AccessOutcome.Refused, justification,
                $"case reference {address.Reference}", null, null, correlationId), context.CancellationToken);
            throw;
        }
        var caseId = target.Id;
        var asked = $"case {caseId}";
        var page = CasePage.Of(request, caseId, limits.Value.Answers);

        // The stream's version and the case file first, and the visibility decided on them alone: a case the caller may
        // not see then costs exactly what a missing one costs (its identifiers are never read). The version before the
        // file, so that a change in between can only make it stale (refused if sent back), never too new.
        var batch = query.CreateBatchQuery();
        var loadingStream = batch.Events.FetchStreamState(caseId);
        var loadingFile = batch.Load<CaseFile>(caseId);
        await batch.Execute(context.CancellationToken);
        // Only a case stream has a case file. A case the caller may not see answers exactly as one that does not exist.
        var file = await loadingFile;
        var now = clock.GetUtcNow();
        var sees = file is null ? CaseView.None : CaseVisibility.Of(file, caller, now);
        if (sees == CaseView.None)
        {
            await accessLog.Record(new AccessEntry(caller, nameof(GetCase), AccessOutcome.Refused, justification, asked, null, caseId, correlationId), context.CancellationToken);
            throw target.NotFound();
        }

        // Its identifiers (kept in the identifier index): this page, and the latest for the time of the last change.
        var holdings = query.CreateBatchQuery();
        var loadingHoldings = holdings.Query<IdentifierHolding>().Where(h => h.CaseId == caseId && h.AddedAtVersion > page.AfterIdentifierVersion)
            .OrderBy(h => h.AddedAtVersion).Take(page.Size + 1).ToList();
        var loadingLatest = holdings.Query<IdentifierHolding>().Where(h => h.CaseId == caseId).OrderByDescending(h => h.AddedAtVersion).FirstOrDefault();
        await holdings.Execute(context.CancellationToken);

        // The last change is the file's, or a later identifier's (adding one leaves the file as it was).
        var updatedAt = (await loadingLatest)?.AddedAt is { } latest && latest > file!.UpdatedAt ? latest : file!.UpdatedAt;
        var revision = new CaseRevision((await loadingStream)!.Version, updatedAt);
        var answer = CaseMapping.ToProto(file, [], revision, withVictims: false, now);
        page.Fill(answer, file, (await loadingHoldings).Select(h => h.ToCaseIdentifier()), withVictims: sees == CaseView.Full);
        var disclosed = $"case {caseId} v{answer.Version}: {answer.Identifiers.Count} identifiers, " +
                        (sees == CaseView.Full ? $"{answer.VictimLinks.Count} victim links" : "victim links withheld") +
                        $", {answer.Handoffs.Count} handoffs" + (request.PageToken.Length > 0 ? " (a later page)" : "") +
                        (answer.NextPageToken.Length > 0 ? " (more pages follow)" : "");
        await accessLog.Record(new AccessEntry(caller, nameof(GetCase), AccessOutcome.Allowed, justification, asked, disclosed, caseId, correlationId)
            .WithIdentifierKeys(answer.Identifiers.Select(i => i.Key).ToArray(), limits.Value.Answers.AccessRecordMaxIdentifierKeys), context.CancellationToken);
        return answer;
    }

    /// One command: its case named by id or by the caller's reference (resolved here), executed, and if refused, the
    /// refusal recorded before it is answered.
    private async Task<TResult> Run<TResult>(IMessage request, ServerCallContext context) where TResult : IMessage
    {
        var caller = Caller.From(context.GetHttpContext());
        var correlationId = HubTelemetry.CorrelationIdOf(context);
        Command? command = null;
        try
        {
            var references = await CaseAddress.References(query, caller.UnitId, [CommandCatalog.CaseReferenceOf(request)], context.CancellationToken);
            command = catalog.Build(request, caller, references);
            var result = (TResult)await engine.Execute(caller, command, correlationId, context.CancellationToken);
            HubTelemetry.CountOutcomes([true]);
            return result;
        }
        catch (Rejection rejection)
        {
            HubTelemetry.CountOutcomes([false]);
            await accessLog.Record(CommandCatalog.Refusal(caller, request, command, rejection.Status, correlationId, inSync: false), context.CancellationToken);
            throw;
        }
    }
}
