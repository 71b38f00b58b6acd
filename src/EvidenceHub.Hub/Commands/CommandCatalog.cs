using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.CoLeads;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Restriction;
using EvidenceHub.Hub.Quality;
using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Victims;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Commands;

/// One kind of command: the request that asks for it (also its SyncCommand field), the answer it gives, and how a
/// request becomes the command. A bulk kind is what units send by the thousand when they sync (opening cases, adding
/// identifiers, victim links, media): its events are its record. Every other command's success is in the access log too.
public sealed record CommandKind(MessageDescriptor Request, MessageDescriptor Result, Func<IMessage, CommandContext, Command> Build, bool Bulk)
{
    /// The RPC of CaseService that runs it alone: the request's name without "Request".
    public string Rpc => Request.Name[..^"Request".Length];

    public SyncCommand.CommandOneofCase SyncCase =>
        (SyncCommand.CommandOneofCase)SyncCommand.Descriptor.Oneofs[0].Fields.Single(f => f.MessageType == Request).FieldNumber;
}

/// What a request needs beside itself to become a command: who sends it, the references its unit holds (so that a
/// case may be named by reference), the registry of units, and the configuration.
public sealed record CommandContext(
    Caller Caller, IReadOnlyDictionary<string, Guid> References, UnitRegistry Units, CorrelationOptions Correlation, HubLimits Limits,
    HandoffOptions Handoffs, DateTimeOffset Now)
{
    /// The hub's PDQ hashes, for media commands.
    public MediaHashes Media { get; init; } = null!;

    /// The limits of takedown requests.
    public Takedown.TakedownOptions Takedown { get; init; } = new();
    /// The match keys of identifiers (a request names an identifier by its canonical key or its pseudonym).
    public Erasure.IdentifierPseudonym Pseudonyms { get; init; } = null!;

    /// The case a request names, by case_id or case_reference.
    public CaseTarget Case(string caseId, string caseReference) => CaseAddress.Of(caseId, caseReference).Resolve(References);
}

/// Every command of the hub, keyed by its request type. The unary RPCs, Sync, command ids, refusal records and the
/// authorization matrix test all read it, so a command added here is served everywhere (and one missing is a test
/// failure, not a gap).
public sealed class CommandCatalog(UnitRegistry units, IOptions<CorrelationOptions> correlation, IOptions<HubLimits> limits,
    IOptions<HandoffOptions> handoffs, TimeProvider clock, MediaHashes media, IOptions<Takedown.TakedownOptions> takedown,
    Erasure.IdentifierPseudonym pseudonyms)
{
    public static readonly IReadOnlyList<CommandKind> Kinds =
    [
        Kind<OpenCaseRequest, CommandResult>((r, c) => OpenCase.From(r, c.Caller, c.Units), bulk: true),
        Kind<AddSuspectIdentifierRequest, CommandResult>((r, c) => AddSuspectIdentifier.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Correlation, c.Limits.Cases, c.Pseudonyms), bulk: true),
        Kind<RetractSuspectIdentifierRequest, CommandResult>((r, c) => RetractSuspectIdentifier.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Pseudonyms)),
        Kind<LinkVictimRequest, CommandResult>((r, c) => LinkVictim.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Now, c.Limits.Cases, c.Pseudonyms), bulk: true),
        Kind<RequestHandoffRequest, CommandResult>((r, c) => RequestHandoff.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Units, c.Handoffs)),
        Kind<AcceptHandoffRequest, CommandResult>((r, c) => AcceptHandoff.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<DeclineHandoffRequest, CommandResult>((r, c) => DeclineHandoff.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<CancelHandoffRequest, CommandResult>((r, c) => CancelHandoff.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<CloseCaseRequest, CommandResult>((r, c) => CloseCase.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<MarkNotToCorrelateRequest, MarkNotToCorrelateResult>((r, c) => MarkNotToCorrelate.From(r, c.Caller, c.Pseudonyms)),
        Kind<RestrictDataRequest, CommandResult>((r, c) => RestrictData.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Pseudonyms)),
        Kind<LiftRestrictionRequest, CommandResult>((r, c) => LiftRestriction.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Correlation, c.Pseudonyms)),
        Kind<ReviewCaseRequest, CommandResult>((r, c) => Lifecycle.ReviewCase.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<EscalateHandoffRequest, CommandResult>((r, c) => EscalateHandoff.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Handoffs)),
        Kind<ChangeSharingPolicyRequest, CommandResult>((r, c) => Sharing.ChangeSharingPolicy.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Units, c.Correlation)),
        Kind<RegradeDataRequest, CommandResult>((r, c) => RegradeData.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Pseudonyms)),
        Kind<CorrectVictimLinkRequest, CommandResult>((r, c) => CorrectVictimLink.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Now, c.Pseudonyms)),
        Kind<ReplaceSuspectIdentifierRequest, CommandResult>((r, c) => ReplaceSuspectIdentifier.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Correlation, c.Pseudonyms)),
        Kind<InviteCoLeadRequest, CommandResult>((r, c) => InviteCoLead.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Units, c.Handoffs)),
        Kind<AnswerCoLeadInvitationRequest, CommandResult>((r, c) => AnswerCoLeadInvitation.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<LeaveCaseRequest, CommandResult>((r, c) => LeaveCase.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<EraseVictimLinkRequest, CommandResult>((r, c) => EraseVictimLink.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<EraseSuspectIdentifierRequest, CommandResult>((r, c) => EraseSuspectIdentifier.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Pseudonyms)),
        Kind<AddMediaRequest, CommandResult>((r, c) => AddMedia.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Media, c.Correlation, c.Limits.Cases), bulk: true),
        Kind<RetractMediaRequest, CommandResult>((r, c) => RetractMedia.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Media)),
        Kind<EraseCaseRequest, CommandResult>((r, c) => Erasure.EraseCase.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
        Kind<FileTakedownRequestRequest, FileTakedownRequestResult>((r, c) => Takedown.FileTakedownRequest.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference), c.Units, c.Takedown)),
        Kind<WithdrawTakedownRequestRequest, CommandResult>((r, c) => Takedown.WithdrawTakedownRequest.From(r, c.Caller, c.Case(r.CaseId, r.CaseReference))),
    ];

    private static readonly Dictionary<MessageDescriptor, CommandKind> ByRequest = Kinds.ToDictionary(k => k.Request);

    private static CommandKind Kind<TRequest, TResult>(Func<TRequest, CommandContext, Command> build, bool bulk = false)
        where TRequest : IMessage<TRequest>, new() where TResult : IMessage<TResult>, new() =>
        new(new TRequest().Descriptor, new TResult().Descriptor, (request, context) => build((TRequest)request, context), bulk);

    public static CommandKind KindOf(IMessage request) => ByRequest[request.Descriptor];

    /// The command a request asks for; its checks throw the rejection that names the field at fault.
    public Command Build(IMessage request, Caller caller, IReadOnlyDictionary<string, Guid> references) =>
        ByRequest[request.Descriptor].Build(request, new CommandContext(caller, references, units, correlation.Value, limits.Value, handoffs.Value, clock.GetUtcNow()) { Media = media, Takedown = takedown.Value, Pseudonyms = pseudonyms });

    /// The request a Sync item carries; null for an empty item.
    public static IMessage? RequestOf(SyncCommand command) => command.CommandCase == SyncCommand.CommandOneofCase.None
        ? null
        : SyncCommand.Descriptor.FindFieldByNumber((int)command.CommandCase).Accessor.GetValue(command) as IMessage;

    /// Puts a command's answer in the SyncResult field of its type.
    public static void SetResult(SyncResult result, IMessage answer) =>
        SyncResult.Descriptor.Oneofs.Single(o => o.Name == "outcome").Fields.Single(f => f.MessageType == answer.Descriptor).Accessor.SetValue(result, answer);

    public static string CommandIdOf(IMessage? request) => StringField(request, "command_id");

    public static string CaseReferenceOf(IMessage? request) => StringField(request, "case_reference");

    /// The access record of a command that succeeded, or null for a bulk one that wrote no note of its own: the note
    /// its decider wrote (who was told what), or else the operation, the case and the events it appended (what they
    /// say is in the case's history). The hub's own commands, which are in no catalog, are named by their type.
    public static AccessEntry? Success(Caller caller, Command command, Decision decision, string correlationId)
    {
        var kind = ByRequest.GetValueOrDefault(command.Request.Descriptor);
        if (decision.Record is null && (kind?.Bulk ?? false)) return null;
        var operation = kind?.Rpc ?? command.GetType().Name;
        var note = decision.Record ?? new AccessNote("", operation + (command.CaseId is { } id ? $" on case {id}" : ""),
            decision.Events.Count == 0 ? "nothing changed" : "appended " + string.Join(", ", decision.Events.Select(e => e.GetType().Name)));
        return AccessEntry.For(caller, operation, correlationId).Justified(note.Justification).Asking(note.Asked).AboutCase(command.CaseId)
            .AboutIdentifiers(note.IdentifierKeys ?? []).Allowed(note.Disclosed);
    }

    /// The access record of a refused command: the operation, the case asked for (by id, or by the caller's
    /// reference) and what was refused. The case id is recorded even when no such case exists or the caller may not
    /// see it, so that an auditor finds probes of a case among its records.
    public static AccessEntry Refusal(Caller caller, IMessage? request, Command? command, Google.Rpc.Status status, string correlationId, bool inSync)
    {
        var operation = request is null ? "Sync" : ByRequest.TryGetValue(request.Descriptor, out var kind) ? kind.Rpc : request.Descriptor.Name;
        Guid? caseId = Guid.TryParse(StringField(request, "case_id"), out var asked) ? asked
            : command is { OpensCase: false, CaseId: { } id } ? id : null;
        var reference = CaseReferenceOf(request).Trim();
        if (reference.Length > RequestFields.MaxReferenceLength) reference = reference[..RequestFields.MaxReferenceLength];
        var what = operation + (caseId is { } named ? $" on case {named}" : "") + (reference.Length > 0 ? $" (case reference {reference})" : "") + (inSync ? " in Sync" : "");
        return AccessEntry.For(caller, operation, correlationId).AboutCase(caseId).Asking(what).NotAnswered(status);
    }

    private static string StringField(IMessage? message, string field) =>
        message?.Descriptor.FindFieldByName(field)?.Accessor.GetValue(message) as string ?? "";
}
