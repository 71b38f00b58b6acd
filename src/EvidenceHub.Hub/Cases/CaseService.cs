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
    CommandCatalog catalog, CommandEngine engine, SyncPipeline sync, CaseReader reader, IQuerySession query, AccessLog accessLog,
    Media.MediaImport mediaImport)
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
    public override Task<CommandResult> AddMedia(AddMediaRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RetractMedia(RetractMediaRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<FileTakedownRequestResult> FileTakedownRequest(FileTakedownRequestRequest request, ServerCallContext context) => Run<FileTakedownRequestResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> WithdrawTakedownRequest(WithdrawTakedownRequestRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

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
    public override Task<CommandResult> RestrictData(RestrictDataRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> LiftRestriction(LiftRestrictionRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> ReviewCase(ReviewCaseRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> EscalateHandoff(EscalateHandoffRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> ChangeSharingPolicy(ChangeSharingPolicyRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> RegradeData(RegradeDataRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> CorrectVictimLink(CorrectVictimLinkRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> ReplaceSuspectIdentifier(ReplaceSuspectIdentifierRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> InviteCoLead(InviteCoLeadRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> AnswerCoLeadInvitation(AnswerCoLeadInvitationRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> LeaveCase(LeaveCaseRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> EraseVictimLink(EraseVictimLinkRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> EraseCase(EraseCaseRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task<CommandResult> EraseSuspectIdentifier(EraseSuspectIdentifierRequest request, ServerCallContext context) => Run<CommandResult>(request, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task Sync(IAsyncStreamReader<SyncCommand> requestStream, IServerStreamWriter<SyncResult> responseStream, ServerCallContext context) =>
        sync.Run(requestStream, responseStream, context);

    [Authorize(Roles = Roles.Unit)]
    public override Task ImportMedia(IAsyncStreamReader<MediaBatch> requestStream, IServerStreamWriter<MediaBatchResult> responseStream, ServerCallContext context) =>
        mediaImport.Run(requestStream, responseStream, context);

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task<Case> GetCase(GetCaseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var address = CaseAddress.Of(request.CaseId, request.CaseReference);
        var justification = Audit.Justifications.Required(request.Justification, "justification", MaxJustificationLength);
        var reading = AccessEntry.For(caller, nameof(GetCase), HubTelemetry.CorrelationIdOf(context)).Justified(justification);
        return await reader.Current(reading, address, request.PageSize, request.PageToken, context.CancellationToken);
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
