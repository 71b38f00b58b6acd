using System.Text;
using System.Text.Json;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identifiers.Canonicalization;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace EvidenceHub.Hub.Audit;

/// The audit API. Every successful call is recorded here, before its answer leaves; refused and failed calls are
/// recorded by AccessRecording (all of this service's requests carry a justification, which marks them as reads).
public sealed class AuditService(
    IQuerySession query, IDocumentStore store, AuditDatabase database, LogReader log, LogTrust trust, CheckpointSigner signer,
    AccessLog accessLog, TimeProvider clock)
    : Contracts.V1.AuditService.AuditServiceBase
{
    public const int MaxJustificationLength = 1000;
    public const int ReplayPage = 1000;
    public const int AccessPage = 1000;
    public const int MaxAccessRecords = 100_000;
    public const int MaxLogEntries = 10_000;

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task ReplayCase(ReplayCaseRequest request, IServerStreamWriter<ReplayedEvent> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var caseId = Fields.CaseId(request.CaseId);
        var justification = Justification(request.Justification);
        if (request.AfterVersion < 0) throw Rejection.InvalidArgument("after_version", "must not be negative");
        var cancellation = context.CancellationToken;

        await Authorize(caller, caseId, cancellation);
        var version = (await query.Events.FetchStreamStateAsync(caseId, cancellation))?.Version ?? 0;
        await accessLog.Record(new AccessEntry(caller, nameof(ReplayCase), AccessOutcome.Allowed, justification,
            $"replay of case {caseId} after version {request.AfterVersion}",
            $"events of case {caseId}, versions {request.AfterVersion + 1} to {version}, with their data", caseId,
            HubTelemetry.CorrelationIdOf(context)), cancellation);

        // Where an event sits in the store's global order and in the log counts every event in between, other units'
        // and hidden cases' included: only auditors, who may see all of them, get it. (The leaf hash commits to the
        // sequence, and everything else in the leaf is in the unit's own answer, so it would give the sequence away.)
        var withGlobalOrder = caller.Is(Roles.Auditor);

        // Page by stream version: one page in memory at a time, whatever the case's length.
        await using var connection = await database.Open(cancellation);
        var after = request.AfterVersion;
        while (after < version)
        {
            var page = new List<ReplayedEvent>(ReplayPage);
            await using (var command = new NpgsqlCommand(
                $"""
                SELECT {StoredEvent.Columns}, l.position, l.leaf_hash
                FROM {AuditSchema.Events} e LEFT JOIN {AuditSchema.Entries} l ON l.sequence = e.seq_id
                WHERE e.stream_id = @id AND e.version > @after AND e.version <= @last
                ORDER BY e.version LIMIT @page
                """, connection))
            {
                command.Parameters.AddWithValue("id", caseId);
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("last", version);
                command.Parameters.AddWithValue("page", ReplayPage);
                await using var rows = await command.ExecuteReaderAsync(cancellation);
                while (await rows.ReadAsync(cancellation))
                {
                    var replayed = Replayed(StoredEvent.Read(rows), withGlobalOrder);
                    if (withGlobalOrder && !rows.IsDBNull(StoredEvent.ColumnCount))
                    {
                        replayed.LogPosition = rows.GetInt64(StoredEvent.ColumnCount);
                        replayed.LeafHash = ByteString.CopyFrom(rows.GetFieldValue<byte[]>(StoredEvent.ColumnCount + 1));
                    }
                    page.Add(replayed);
                }
            }
            if (page.Count == 0) break;
            foreach (var replayed in page) await responseStream.WriteAsync(replayed, cancellation);
            after = page[^1].Version;
        }
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.Auditor}")]
    public override async Task<Case> GetCaseAsOf(GetCaseAsOfRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var caseId = Fields.CaseId(request.CaseId);
        var justification = Justification(request.Justification);
        var cancellation = context.CancellationToken;
        DateTimeOffset? asOfTime = null;
        long? asOfVersion = null;
        switch (request.AsOfCase)
        {
            case GetCaseAsOfRequest.AsOfOneofCase.AsOfTime:
                asOfTime = Time(request.AsOfTime, "as_of_time");
                if (asOfTime > clock.GetUtcNow()) throw Rejection.InvalidArgument("as_of_time", "is in the future");
                break;
            case GetCaseAsOfRequest.AsOfOneofCase.Version:
                if (request.Version < 1) throw Rejection.InvalidArgument("version", "must be at least 1");
                asOfVersion = request.Version;
                break;
            default:
                throw Rejection.InvalidArgument("as_of", "is required: set as_of_time or version");
        }

        await Authorize(caller, caseId, cancellation);
        var current = (await query.Events.FetchStreamStateAsync(caseId, cancellation))?.Version ?? 0;
        if (asOfVersion > current)
            throw OutOfRange("version", $"case {caseId} has {current} versions");

        var events = asOfVersion is { } version
            ? await query.Events.FetchStreamAsync(caseId, version: version, token: cancellation)
            : await query.Events.FetchStreamAsync(caseId, timestamp: asOfTime, token: cancellation);
        var (file, identifiers, revision) = CaseFile.Replay(events);
        if (file is null)
            throw Rejection.NotFound("case", caseId.ToString(), "as_of_time");

        // Handoffs as they stood then: one past its deadline at that moment shows as expired.
        var answer = CaseMapping.ToProto(file, identifiers, revision, withVictims: true, now: asOfTime ?? revision.UpdatedAt);
        await accessLog.Record(new AccessEntry(caller, nameof(GetCaseAsOf), AccessOutcome.Allowed, justification,
            asOfVersion is { } v ? $"case {caseId} as of version {v}" : $"case {caseId} as of {asOfTime:O}",
            $"case {caseId} v{answer.Version}: {answer.Identifiers.Count} identifiers, {answer.VictimLinks.Count} victim links, {answer.Handoffs.Count} handoffs",
            caseId, HubTelemetry.CorrelationIdOf(context))
        {
            IdentifierKeys = answer.Identifiers.Select(i => i.Key).ToList(),
        }, cancellation);
        return answer;
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task QueryAccessLog(QueryAccessLogRequest request, IServerStreamWriter<AccessRecord> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        var cancellation = context.CancellationToken;
        var filter = AccessFilter.Of(request, caller);

        await accessLog.Record(new AccessEntry(caller, nameof(QueryAccessLog), AccessOutcome.Allowed, justification,
            $"access records {filter}", $"access records {filter}", filter.CaseId, HubTelemetry.CorrelationIdOf(context))
        {
            IdentifierKeys = filter.IdentifierKey is null ? [] : [filter.IdentifierKey],
        }, cancellation);

        var serializer = store.Options.Serializer();
        await using var connection = await database.Open(cancellation);
        (DateTime At, Guid Stream, long Version)? last = null;
        var sent = 0;
        while (sent < filter.MaxRecords)
        {
            var page = new List<AccessRecord>(AccessPage);
            await using (var command = filter.Command(connection, last, Math.Min(AccessPage, filter.MaxRecords - sent)))
            await using (var rows = await command.ExecuteReaderAsync(cancellation))
            {
                while (await rows.ReadAsync(cancellation))
                {
                    last = (rows.GetFieldValue<DateTime>(0), rows.GetGuid(1), rows.GetInt64(2));
                    var recorded = serializer.FromJson<AccessRecorded>(new MemoryStream(Encoding.UTF8.GetBytes(rows.GetString(4))));
                    var record = ToProto(recorded, rows.GetInt64(3));
                    if (!rows.IsDBNull(5)) record.LogPosition = rows.GetInt64(5);
                    page.Add(record);
                }
            }
            foreach (var record in page) await responseStream.WriteAsync(record, cancellation);
            sent += page.Count;
            if (page.Count < AccessPage) break;
        }
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<LogCheckpoint> GetLogCheckpoint(GetLogCheckpointRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        if (request.TreeSize < 0) throw Rejection.InvalidArgument("tree_size", "must not be negative");
        var found = await log.Checkpoint(request.TreeSize == 0 ? null : request.TreeSize, context.CancellationToken)
                    ?? throw Rejection.NotFound("checkpoint", request.TreeSize == 0 ? "latest" : request.TreeSize.ToString(), "tree_size");
        var (checkpoint, publicKey) = found;
        var cosignatures = await log.Cosignatures(checkpoint, context.CancellationToken);
        await accessLog.Record(new AccessEntry(caller, nameof(GetLogCheckpoint), AccessOutcome.Allowed, justification,
            request.TreeSize == 0 ? "the latest log checkpoint" : $"the log checkpoint for {request.TreeSize} entries",
            $"signed checkpoint for {checkpoint.TreeSize} entries", null, HubTelemetry.CorrelationIdOf(context)), context.CancellationToken);
        var answer = ToProto(checkpoint, publicKey.Length > 0 ? publicKey : signer.PublicKey);
        answer.Cosignatures.AddRange(cosignatures.Select(ToProto));
        answer.Note = checkpoint.Note is null ? "" : checkpoint.Note + string.Concat(cosignatures.Select(c => c.SignatureLine + "\n"));
        return answer;
    }

    [Authorize(Roles = $"{Roles.Auditor},{Roles.Witness}")]
    public override async Task<CheckpointNote> GetCheckpointNote(GetCheckpointNoteRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        var cancellation = context.CancellationToken;
        if (request.TreeSize < 0) throw Rejection.InvalidArgument("tree_size", "must not be negative");
        if (request.OldSize < 0) throw Rejection.InvalidArgument("old_size", "must not be negative");
        var (checkpoint, _) = await log.Checkpoint(request.TreeSize == 0 ? null : request.TreeSize, cancellation)
                              ?? throw Rejection.NotFound("checkpoint", request.TreeSize == 0 ? "latest" : request.TreeSize.ToString(), "tree_size");
        if (checkpoint.Note is null)
            throw Rejection.FailedPrecondition("NO_SIGNED_NOTE", $"The checkpoint for {checkpoint.TreeSize} entries was signed before the hub published signed notes.");
        if (request.OldSize > checkpoint.TreeSize)
            throw Rejection.InvalidArgument("old_size", $"is larger than the checkpoint's size ({checkpoint.TreeSize})");
        List<byte[]> path = [];
        if (request.OldSize > 0 && request.OldSize < checkpoint.TreeSize)
            path = (await Proof(() => log.ConsistencyProof(request.OldSize, checkpoint.TreeSize, cancellation))).Path;
        var cosignatures = await log.Cosignatures(checkpoint, cancellation);
        await accessLog.Record(new AccessEntry(caller, nameof(GetCheckpointNote), AccessOutcome.Allowed, justification,
            $"the signed note of the {(request.TreeSize == 0 ? "latest checkpoint" : $"checkpoint for {request.TreeSize} entries")}" +
            (request.OldSize > 0 ? $", consistent with {request.OldSize} entries" : ""),
            $"signed note for {checkpoint.TreeSize} entries, {cosignatures.Count} cosignatures, consistency proof ({path.Count} hashes)",
            null, HubTelemetry.CorrelationIdOf(context)), cancellation);
        return NoteOf(checkpoint, cosignatures, request.OldSize, path);
    }

    [Authorize(Roles = Roles.Witness)]
    public override async Task<CheckpointNote> AddCheckpointCosignature(AddCheckpointCosignatureRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var cancellation = context.CancellationToken;
        if (request.TreeSize < 1) throw Rejection.InvalidArgument("tree_size", "must be at least 1");
        if (request.SignatureLine.Length > 1024) throw Rejection.InvalidArgument("signature_line", "is longer than 1024 characters");
        var added = await log.AddCosignature(request.TreeSize, request.SignatureLine.Trim(), clock.GetUtcNow(), cancellation);
        var (checkpoint, _) = (await log.Checkpoint(request.TreeSize, cancellation))!.Value;
        var cosignatures = await log.Cosignatures(checkpoint, cancellation);
        await accessLog.Record(new AccessEntry(caller, nameof(AddCheckpointCosignature), AccessOutcome.Allowed, null,
            $"cosignature by {added.Witness} on the checkpoint for {request.TreeSize} entries", null, null, HubTelemetry.CorrelationIdOf(context)), cancellation);
        return NoteOf(checkpoint, cosignatures, 0, []);
    }

    private CheckpointNote NoteOf(SignedCheckpoint checkpoint, List<StoredCosignature> cosignatures, long oldSize, List<byte[]> path)
    {
        var note = new CheckpointNote
        {
            Note = checkpoint.Note + string.Concat(cosignatures.Select(c => c.SignatureLine + "\n")),
            Origin = trust.Origin,
            TreeSize = checkpoint.TreeSize,
            RootHash = ByteString.CopyFrom(checkpoint.RootHash),
            VerifierKey = signer.NoteVerifier.ToString(),
            OldSize = oldSize,
        };
        note.Cosignatures.AddRange(cosignatures.Select(ToProto));
        note.ConsistencyPath.AddRange(path.Select(ByteString.CopyFrom));
        return note;
    }

    private static Cosignature ToProto(StoredCosignature cosignature) => new()
    {
        Witness = cosignature.Witness,
        Time = Timestamp.FromDateTimeOffset(cosignature.CosignedAt),
        SignatureLine = cosignature.SignatureLine,
    };

    [Authorize(Roles = Roles.Auditor)]
    public override async Task GetLogEntries(GetLogEntriesRequest request, IServerStreamWriter<LogEntry> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        var cancellation = context.CancellationToken;
        if (request.StartPosition < 0) throw Rejection.InvalidArgument("start_position", "must not be negative");
        if (request.MaxEntries is < 0 or > MaxLogEntries) throw Rejection.InvalidArgument("max_entries", $"must be between 1 and {MaxLogEntries} (0 for {MaxLogEntries})");
        var count = request.MaxEntries == 0 ? MaxLogEntries : request.MaxEntries;
        var size = await log.Size(cancellation);
        if (request.StartPosition >= size) throw OutOfRange("start_position", $"the log holds {size} entries");

        await accessLog.Record(new AccessEntry(caller, nameof(GetLogEntries), AccessOutcome.Allowed, justification,
            $"log entries from position {request.StartPosition}, at most {count}",
            $"log entries {request.StartPosition} to {Math.Min(size, request.StartPosition + count) - 1} (leaves: event metadata and data hashes)",
            null, HubTelemetry.CorrelationIdOf(context)), cancellation);
        await foreach (var entry in log.Entries(request.StartPosition, count, cancellation))
            await responseStream.WriteAsync(ToProto(entry), cancellation);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<InclusionProof> GetInclusionProof(GetInclusionProofRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        var cancellation = context.CancellationToken;
        if (request.Position < 0) throw Rejection.InvalidArgument("position", "must not be negative");
        var treeSize = await TreeSize(request.TreeSize, "tree_size", cancellation);
        if (request.Position >= treeSize) throw OutOfRange("position", $"the tree of {treeSize} entries has no position {request.Position}");

        var (root, path) = await Proof(() => log.InclusionProof(request.Position, treeSize, cancellation));
        LoggedEntry? entry = null;
        await foreach (var found in log.Entries(request.Position, 1, cancellation)) entry = found;
        await accessLog.Record(new AccessEntry(caller, nameof(GetInclusionProof), AccessOutcome.Allowed, justification,
            $"inclusion of position {request.Position} in the tree of {treeSize} entries",
            $"inclusion proof ({path.Count} hashes) and the leaf at position {request.Position}", null, HubTelemetry.CorrelationIdOf(context)), cancellation);
        var proof = new InclusionProof { Position = request.Position, TreeSize = treeSize, RootHash = ByteString.CopyFrom(root) };
        proof.AuditPath.AddRange(path.Select(ByteString.CopyFrom));
        if (entry is not null) proof.Entry = ToProto(entry);
        return proof;
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<ConsistencyProof> GetConsistencyProof(GetConsistencyProofRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        var cancellation = context.CancellationToken;
        if (request.FirstSize < 1) throw Rejection.InvalidArgument("first_size", "must be at least 1");
        var secondSize = await TreeSize(request.SecondSize, "second_size", cancellation);
        if (request.FirstSize > secondSize) throw Rejection.InvalidArgument("first_size", $"is larger than second_size ({secondSize})");

        var (firstRoot, secondRoot, path) = await Proof(() => log.ConsistencyProof(request.FirstSize, secondSize, cancellation));
        await accessLog.Record(new AccessEntry(caller, nameof(GetConsistencyProof), AccessOutcome.Allowed, justification,
            $"consistency of the trees of {request.FirstSize} and {secondSize} entries",
            $"consistency proof ({path.Count} hashes)", null, HubTelemetry.CorrelationIdOf(context)), cancellation);
        var proof = new ConsistencyProof
        {
            FirstSize = request.FirstSize, SecondSize = secondSize,
            FirstRootHash = ByteString.CopyFrom(firstRoot), SecondRootHash = ByteString.CopyFrom(secondRoot),
        };
        proof.ConsistencyPath.AddRange(path.Select(ByteString.CopyFrom));
        return proof;
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<LogVerification> VerifyLog(VerifyLogRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext());
        var justification = Justification(request.Justification);
        var result = await log.Verify(context.CancellationToken);
        await accessLog.Record(new AccessEntry(caller, nameof(VerifyLog), AccessOutcome.Allowed, justification,
            "verification of the whole log",
            result.Intact ? $"log intact: {result.TreeSize} entries, {result.CheckpointsChecked} checkpoints" : $"log damaged: {result.Problem}",
            null, HubTelemetry.CorrelationIdOf(context)), context.CancellationToken);
        var answer = new LogVerification
        {
            Intact = result.Intact,
            EntriesChecked = result.EntriesChecked,
            CheckpointsChecked = result.CheckpointsChecked,
            TreeSize = result.TreeSize,
            RootHash = ByteString.CopyFrom(result.RootHash),
            FirstBadSequence = result.FirstBadSequence,
            Problem = result.Problem,
            KeysPinned = result.KeysPinned,
        };
        if (result.FirstBadPosition is { } position) answer.FirstBadPosition = position;
        answer.Witnesses.AddRange(result.Witnesses.Select(w => new WitnessState
        {
            Witness = w.Witness, CosignedTreeSize = w.TreeSize, CosignedAt = w.At is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        }));
        return answer;
    }

    /// Auditors may see every case; a unit only the cases it owns now.
    /// Only case streams are served (a case stream is the one with a case file), and a case the caller may not see
    /// answers exactly as one that does not exist; one it sees (a handoff's target) but may not replay is refused.
    private async Task Authorize(Caller caller, Guid caseId, CancellationToken cancellation)
    {
        var file = await query.LoadAsync<CaseFile>(caseId, cancellation);
        if (file is null || CaseVisibility.Of(file, caller, clock.GetUtcNow()) == CaseView.None) throw Rejection.NotFound("case", caseId.ToString(), "case_id");
        if (!caller.Is(Roles.Auditor) && file.OwnerUnit != caller.UnitId)
            throw Rejection.PermissionDenied("CASE_NOT_OWNED", $"Only auditors and the owning unit may replay case {caseId}.", caseId.ToString());
    }

    private async Task<long> TreeSize(long requested, string field, CancellationToken cancellation)
    {
        if (requested < 0) throw Rejection.InvalidArgument(field, "must not be negative");
        if (requested == 0)
            return (await log.Checkpoint(null, cancellation))?.Checkpoint.TreeSize
                   ?? throw Rejection.FailedPrecondition("LOG_EMPTY", "The log has no signed checkpoint yet.");
        var size = await log.Size(cancellation);
        if (requested > size) throw OutOfRange(field, $"the log holds {size} entries");
        return requested;
    }

    private static async Task<T> Proof<T>(Func<Task<T>> compute)
    {
        try { return await compute(); }
        catch (LogDamagedException damaged)
        {
            throw Rejection.FailedPrecondition("LOG_DAMAGED", $"The stored log is damaged near position {damaged.Position}: {damaged.Message}. Run VerifyLog.",
                ("position", damaged.Position.ToString()));
        }
    }

    private static string Justification(Justification? value) => Justifications.Required(value, "justification", MaxJustificationLength);

    internal static DateTimeOffset Time(Timestamp value, string field) => Fields.Timestamp(value, field)!.Value;

    internal static Rejection OutOfRange(string field, string description) =>
        new(new Google.Rpc.Status
        {
            Code = (int)Google.Rpc.Code.OutOfRange,
            Message = $"{field}: {description}",
            Details = { Any.Pack(new Google.Rpc.BadRequest { FieldViolations = { new Google.Rpc.BadRequest.Types.FieldViolation { Field = field, Description = description } } }) },
        });

    private static ReplayedEvent Replayed(StoredEvent e, bool withGlobalOrder)
    {
        var (unit, user) = Actor(e);
        return new ReplayedEvent
        {
            Sequence = withGlobalOrder ? e.Sequence : 0,
            Version = e.Version,
            EventType = e.Type,
            Timestamp = Timestamp.FromDateTime(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)),
            Unit = unit,
            User = user,
            CorrelationId = e.CorrelationId ?? "",
            CommandId = e.CausationId ?? "",
            DataJson = e.DataJson,
        };
    }

    /// The acting unit and user: from the event's headers, or else from its "UNIT/user" user name.
    private static (string Unit, string User) Actor(StoredEvent e)
    {
        if (e.HeadersJson is not null)
        {
            using var headers = JsonDocument.Parse(e.HeadersJson);
            if (headers.RootElement.ValueKind == JsonValueKind.Object
                && headers.RootElement.TryGetProperty("unit", out var unit) && unit.ValueKind == JsonValueKind.String)
                return (unit.GetString()!, headers.RootElement.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.String ? user.GetString()! : "");
        }
        var actor = e.UserName ?? "";
        var slash = actor.IndexOf('/');
        return slash < 0 ? (actor, "") : (actor[..slash], actor[(slash + 1)..]);
    }

    private static AccessRecord ToProto(AccessRecorded r, long sequence)
    {
        var record = new AccessRecord
        {
            At = Timestamp.FromDateTimeOffset(r.At),
            Unit = r.Unit,
            User = r.User,
            CertificateSubject = r.CertificateSubject,
            Operation = r.Operation,
            Outcome = (Contracts.V1.AccessOutcome)(int)r.Outcome,
            Justification = r.Justification ?? "",
            Asked = r.Asked,
            Disclosed = r.Disclosed ?? "",
            RecipientUnit = r.RecipientUnit ?? "",
            CaseId = r.CaseId?.ToString() ?? "",
            CorrelationId = r.CorrelationId,
            Sequence = sequence,
        };
        record.IdentifierKeys.AddRange(r.IdentifierKeys ?? []);
        return record;
    }

    private static LogCheckpoint ToProto(SignedCheckpoint checkpoint, byte[] publicKey)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(publicKey, out _);
        return new LogCheckpoint
        {
            TreeSize = checkpoint.TreeSize,
            RootHash = ByteString.CopyFrom(checkpoint.RootHash),
            Timestamp = Timestamp.FromDateTimeOffset(checkpoint.SignedAt),
            TreeHead = ByteString.CopyFrom(checkpoint.TreeHead),
            Signature = ByteString.CopyFrom(checkpoint.Signature),
            KeyId = ByteString.CopyFrom(checkpoint.KeyId),
            PublicKey = ByteString.CopyFrom(publicKey),
            PublicKeyPem = key.ExportSubjectPublicKeyInfoPem(),
        };
    }

    private static LogEntry ToProto(LoggedEntry entry) => new()
    {
        Position = entry.Position,
        Sequence = entry.Sequence,
        Leaf = entry.Event is null ? ByteString.Empty : ByteString.CopyFrom(LogLeaf.Encode(entry.Event)),
        LeafHash = ByteString.CopyFrom(entry.StoredLeafHash),
    };
}

/// QueryAccessLog's filters, checked, and the keyset-paged query they make.
public sealed record AccessFilter(
    DateTimeOffset? From, DateTimeOffset? To, string? Unit, Guid? CaseId, string? IdentifierKey, int MaxRecords)
{
    public static AccessFilter Of(QueryAccessLogRequest request, Caller caller)
    {
        DateTimeOffset? from = request.From is null ? null : AuditService.Time(request.From, "from");
        DateTimeOffset? to = request.To is null ? null : AuditService.Time(request.To, "to");
        if (from is not null && to is not null && to <= from) throw Rejection.InvalidArgument("to", "must be later than from");
        var unit = Fields.Text(request.Unit, "unit", 128, required: false);
        Guid? caseId = string.IsNullOrWhiteSpace(request.CaseId) ? null : Fields.CaseId(request.CaseId);
        string? key = null;
        if (request.Identifier is not null && !string.IsNullOrEmpty(request.IdentifierKey))
            throw Rejection.InvalidArgument("identifier_key", "set identifier or identifier_key, not both");
        if (request.Identifier is not null)
        {
            var region = string.IsNullOrWhiteSpace(request.IdentifierRegion) ? caller.Country : Fields.Country(request.IdentifierRegion, "identifier_region");
            key = IdentifierRequests.Canonicalize(IdentifierRequests.RawOf(request.Identifier), region).Key;
        }
        else key = Fields.Text(request.IdentifierKey, "identifier_key", Fields.MaxIdentifierKeyLength, required: false);
        if (request.MaxRecords is < 0 or > AuditService.MaxAccessRecords)
            throw Rejection.InvalidArgument("max_records", $"must be between 1 and {AuditService.MaxAccessRecords} (0 for all)");
        return new AccessFilter(from, to, unit, caseId, key, request.MaxRecords == 0 ? AuditService.MaxAccessRecords : request.MaxRecords);
    }

    public NpgsqlCommand Command(NpgsqlConnection connection, (DateTime At, Guid Stream, long Version)? after, int limit)
    {
        var command = new NpgsqlCommand { Connection = connection };
        var where = new List<string>();
        if (From is { } from) { where.Add("a.at >= @from"); command.Parameters.AddWithValue("from", from); }
        if (To is { } to) { where.Add("a.at < @to"); command.Parameters.AddWithValue("to", to); }
        if (Unit is { } unit) { where.Add("a.unit = @unit"); command.Parameters.AddWithValue("unit", unit); }
        if (CaseId is { } caseId) { where.Add("a.case_id = @case"); command.Parameters.AddWithValue("case", caseId); }
        if (IdentifierKey is { } key) { where.Add("a.identifier_keys @> ARRAY[@key]::text[]"); command.Parameters.AddWithValue("key", key); }
        if (after is { } last)
        {
            where.Add("(a.at, a.stream_id, a.version) > (@lastAt, @lastStream, @lastVersion)");
            command.Parameters.AddWithValue("lastAt", last.At);
            command.Parameters.AddWithValue("lastStream", last.Stream);
            command.Parameters.AddWithValue("lastVersion", last.Version);
        }
        command.Parameters.AddWithValue("limit", limit);
        command.CommandText =
            $"""
            SELECT a.at, a.stream_id, a.version, e.seq_id, e.data::text, l.position
            FROM {AuditSchema.AccessIndex} a
            JOIN {AuditSchema.Events} e ON e.stream_id = a.stream_id AND e.version = a.version
            LEFT JOIN {AuditSchema.Entries} l ON l.sequence = e.seq_id
            {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))}
            ORDER BY a.at, a.stream_id, a.version LIMIT @limit
            """;
        return command;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (From is { } from) parts.Add($"from {from:O}");
        if (To is { } to) parts.Add($"until {to:O}");
        if (Unit is { } unit) parts.Add($"of unit {Unit}");
        if (CaseId is { } caseId) parts.Add($"about case {caseId}");
        if (IdentifierKey is { } key) parts.Add($"about identifier {key}");
        return parts.Count == 0 ? "(all)" : string.Join(", ", parts);
    }
}
