using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace EvidenceHub.Hub.Audit;

/// The audit API. Every successful call is recorded, before its answer leaves; refused and failed calls are recorded
/// by AccessRecording (all of this service's requests carry a justification, which marks them as reads).
public sealed class AuditService(
    CaseReader cases, CaseHistory history, AccessLogQuery accessRecords, LogReader log, LogProofs proofs, LogTrust trust,
    CheckpointSigner signer, AccessLog accessLog, TimeProvider clock, Lifecycle.OverdueCaseList overdueCases, Erasure.IdentifierPseudonym pseudonyms)
    : Contracts.V1.AuditService.AuditServiceBase
{
    public const int MaxJustificationLength = 1000;
    public const int MaxLogEntries = 10_000;

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task ReplayCase(ReplayCaseRequest request, IServerStreamWriter<ReplayedEvent> responseStream, ServerCallContext context)
    {
        var reading = Reading(context, nameof(ReplayCase));
        var address = CaseAddress.Of(request.CaseId, request.CaseReference);
        var owningUnit = CaseReader.OwningUnit(reading.Caller, address, request.OwningUnit);
        reading = reading.Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        if (request.AfterVersion < 0) throw Rejection.InvalidArgument("after_version", "must not be negative");
        var cancellation = context.CancellationToken;
        var caseId = (await cases.Target(reading, address, owningUnit, cancellation)).Id;

        var last = await cases.History(reading, caseId, request.AfterVersion, cancellation);
        var withGlobalOrder = reading.Caller.Is(Roles.Auditor);
        var keys = await cases.SubjectKeys(caseId, cancellation);
        await foreach (var page in history.Pages(caseId, request.AfterVersion, last, cancellation))
            foreach (var e in page) await responseStream.WriteAsync(AuditMapping.ToProto(e, withGlobalOrder, keys), cancellation);
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task<Case> GetCaseAsOf(GetCaseAsOfRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(GetCaseAsOf));
        var address = CaseAddress.Of(request.CaseId, request.CaseReference);
        var owningUnit = CaseReader.OwningUnit(reading.Caller, address, request.OwningUnit);
        reading = reading.Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var moment = CaseMoment.Of(request, clock.GetUtcNow());
        var caseId = (await cases.Target(reading, address, owningUnit, context.CancellationToken)).Id;
        return await cases.AsOf(reading, caseId, moment, request.PageSize, request.PageToken, context.CancellationToken);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task QueryAccessLog(QueryAccessLogRequest request, IServerStreamWriter<AccessRecord> responseStream, ServerCallContext context)
    {
        var reading = Reading(context, nameof(QueryAccessLog))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var filter = AccessFilter.Of(request, reading.Caller, pseudonyms);
        var cancellation = context.CancellationToken;

        await accessLog.Record(reading.Asking($"access records {filter}").AboutCase(filter.CaseId)
            .AboutIdentifiers(filter.IdentifierKey is null ? [] : [filter.IdentifierKey]).Allowed($"access records {filter}"), cancellation);
        await foreach (var page in accessRecords.Pages(filter, cancellation))
            foreach (var found in page) await responseStream.WriteAsync(AuditMapping.ToProto(found), cancellation);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<LogCheckpoint> GetLogCheckpoint(GetLogCheckpointRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(GetLogCheckpoint))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var cancellation = context.CancellationToken;
        if (request.TreeSize < 0) throw Rejection.InvalidArgument("tree_size", "must not be negative");
        var (checkpoint, publicKey) = await Checkpoint(request.TreeSize, cancellation);
        var cosignatures = await log.Cosignatures(checkpoint, cancellation);
        await accessLog.Record(reading.Asking(request.TreeSize == 0 ? "the latest log checkpoint" : $"the log checkpoint for {request.TreeSize} entries")
            .Allowed($"signed checkpoint for {checkpoint.TreeSize} entries"), cancellation);
        return AuditMapping.ToProto(checkpoint, publicKey.Length > 0 ? publicKey : signer.PublicKey, cosignatures);
    }

    [Authorize(Roles = $"{Roles.Auditor},{Roles.Witness}")]
    public override async Task<CheckpointNote> GetCheckpointNote(GetCheckpointNoteRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(GetCheckpointNote))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var cancellation = context.CancellationToken;
        if (request.TreeSize < 0) throw Rejection.InvalidArgument("tree_size", "must not be negative");
        if (request.OldSize < 0) throw Rejection.InvalidArgument("old_size", "must not be negative");
        var (checkpoint, _) = await Checkpoint(request.TreeSize, cancellation);
        if (checkpoint.Note is null)
            throw Rejection.FailedPrecondition("NO_SIGNED_NOTE", $"The checkpoint for {checkpoint.TreeSize} entries was signed before the hub published signed notes.");
        if (request.OldSize > checkpoint.TreeSize)
            throw Rejection.InvalidArgument("old_size", $"is larger than the checkpoint's size ({checkpoint.TreeSize})");
        List<byte[]> path = [];
        if (request.OldSize > 0 && request.OldSize < checkpoint.TreeSize)
            path = (await proofs.Consistency(request.OldSize, checkpoint.TreeSize, cancellation)).Path;
        var cosignatures = await log.Cosignatures(checkpoint, cancellation);
        await accessLog.Record(reading
            .Asking($"the signed note of the {(request.TreeSize == 0 ? "latest checkpoint" : $"checkpoint for {request.TreeSize} entries")}" +
                    (request.OldSize > 0 ? $", consistent with {request.OldSize} entries" : ""))
            .Allowed($"signed note for {checkpoint.TreeSize} entries, {cosignatures.Count} cosignatures, consistency proof ({path.Count} hashes)"), cancellation);
        return AuditMapping.NoteOf(checkpoint, cosignatures, trust.Origin, signer.NoteVerifier.ToString(), request.OldSize, path);
    }

    [Authorize(Roles = Roles.Witness)]
    public override async Task<CheckpointNote> AddCheckpointCosignature(AddCheckpointCosignatureRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(AddCheckpointCosignature));
        var cancellation = context.CancellationToken;
        if (request.TreeSize < 1) throw Rejection.InvalidArgument("tree_size", "must be at least 1");
        if (request.SignatureLine.Length > 1024) throw Rejection.InvalidArgument("signature_line", "is longer than 1024 characters");
        var added = await log.AddCosignature(request.TreeSize, request.SignatureLine.Trim(), clock.GetUtcNow(), cancellation);
        var (checkpoint, _) = (await log.Checkpoint(request.TreeSize, cancellation))!.Value;
        var cosignatures = await log.Cosignatures(checkpoint, cancellation);
        await accessLog.Record(reading.Asking($"cosignature by {added.Witness} on the checkpoint for {request.TreeSize} entries").Allowed(), cancellation);
        return AuditMapping.NoteOf(checkpoint, cosignatures, trust.Origin, signer.NoteVerifier.ToString(), 0, []);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task GetLogEntries(GetLogEntriesRequest request, IServerStreamWriter<LogEntry> responseStream, ServerCallContext context)
    {
        var reading = Reading(context, nameof(GetLogEntries))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var cancellation = context.CancellationToken;
        if (request.StartPosition < 0) throw Rejection.InvalidArgument("start_position", "must not be negative");
        if (request.MaxEntries is < 0 or > MaxLogEntries) throw Rejection.InvalidArgument("max_entries", $"must be between 1 and {MaxLogEntries} (0 for {MaxLogEntries})");
        var count = request.MaxEntries == 0 ? MaxLogEntries : request.MaxEntries;
        var size = await log.Size(cancellation);
        if (request.StartPosition >= size) throw Rejection.OutOfRange("start_position", $"the log holds {size} entries");

        await accessLog.Record(reading.Asking($"log entries from position {request.StartPosition}, at most {count}")
            .Allowed($"log entries {request.StartPosition} to {Math.Min(size, request.StartPosition + count) - 1} (leaves: event metadata and data hashes)"), cancellation);
        await foreach (var entry in log.Entries(request.StartPosition, count, cancellation))
            await responseStream.WriteAsync(AuditMapping.ToProto(entry), cancellation);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<InclusionProof> GetInclusionProof(GetInclusionProofRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(GetInclusionProof))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var cancellation = context.CancellationToken;
        if (request.Position < 0) throw Rejection.InvalidArgument("position", "must not be negative");
        var treeSize = await proofs.TreeSize(request.TreeSize, "tree_size", cancellation);
        if (request.Position >= treeSize) throw Rejection.OutOfRange("position", $"the tree of {treeSize} entries has no position {request.Position}");

        var (root, path) = await proofs.Inclusion(request.Position, treeSize, cancellation);
        LoggedEntry? entry = null;
        await foreach (var found in log.Entries(request.Position, 1, cancellation)) entry = found;
        await accessLog.Record(reading.Asking($"inclusion of position {request.Position} in the tree of {treeSize} entries")
            .Allowed($"inclusion proof ({path.Count} hashes) and the leaf at position {request.Position}"), cancellation);
        return AuditMapping.ToProto(request.Position, treeSize, root, path, entry);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<ConsistencyProof> GetConsistencyProof(GetConsistencyProofRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(GetConsistencyProof))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var cancellation = context.CancellationToken;
        if (request.FirstSize < 1) throw Rejection.InvalidArgument("first_size", "must be at least 1");
        var secondSize = await proofs.TreeSize(request.SecondSize, "second_size", cancellation);
        if (request.FirstSize > secondSize) throw Rejection.InvalidArgument("first_size", $"is larger than second_size ({secondSize})");

        var (firstRoot, secondRoot, path) = await proofs.Consistency(request.FirstSize, secondSize, cancellation);
        await accessLog.Record(reading.Asking($"consistency of the trees of {request.FirstSize} and {secondSize} entries")
            .Allowed($"consistency proof ({path.Count} hashes)"), cancellation);
        return AuditMapping.ToProto(request.FirstSize, secondSize, firstRoot, secondRoot, path);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<LogVerification> VerifyLog(VerifyLogRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(VerifyLog))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var result = await log.Verify(context.CancellationToken);
        await accessLog.Record(reading.Asking("verification of the whole log")
            .Allowed(result.Intact ? $"log intact: {result.TreeSize} entries, {result.CheckpointsChecked} checkpoints" : $"log damaged: {result.Problem}"), context.CancellationToken);
        return AuditMapping.ToProto(result);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<OverdueCases> ListOverdueCases(ListOverdueCasesRequest request, ServerCallContext context)
    {
        var reading = Reading(context, nameof(ListOverdueCases))
            .Justified(Justifications.Required(request.Justification, "justification", MaxJustificationLength));
        var page = await overdueCases.Page(request, context.CancellationToken);
        await accessLog.Record(reading.Asking(request.PageToken.Length == 0 ? "cases past their review date" : "cases past their review date, next page")
            .Allowed($"{page.Cases.Count} overdue cases: {string.Join(", ", page.Cases.Select(c => c.CaseId))}"), context.CancellationToken);
        return page;
    }

    private static AccessEntry.Draft Reading(ServerCallContext context, string operation) =>
        AccessEntry.For(Caller.From(context.GetHttpContext()), operation, HubTelemetry.CorrelationIdOf(context));

    /// The checkpoint of the given size, or the latest for 0.
    private async Task<(SignedCheckpoint Checkpoint, byte[] PublicKey)> Checkpoint(long treeSize, CancellationToken cancellation) =>
        await log.Checkpoint(treeSize == 0 ? null : treeSize, cancellation)
        ?? throw Rejection.NotFound("checkpoint", treeSize == 0 ? "latest" : treeSize.ToString(), "tree_size");
}
