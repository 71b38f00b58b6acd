using System.Runtime.ExceptionServices;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Lifecycle;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Hub.Store;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvidenceHub.Hub.Commands;

/// Runs commands: idempotent by command id, optimistic on the case version, the events of a burst stored in one
/// transaction with their metadata (unit, user, correlation id, command id) and the receipts that make a retry
/// harmless. A single command is a burst of one; it differs only in how it reads its case (FetchForWriting, which
/// Marten's inline snapshot then reuses) and in that a command without expected_version waits for its case.
public sealed class CommandEngine(IDocumentStore store, TimeProvider clock, IOptions<CorrelationOptions> correlation, Audit.AccessLog accessLog)
{
    /// Tries for a command that stated no expected_version and keeps losing the race to other writers.
    public const int MaxAttemptsWithoutExpectedVersion = 5;

    /// A command without expected_version asked for no concurrency check: a lost race is retried here, on the new
    /// state, with a short random pause so that racing writers spread out; ABORTED only when every try lost.
    public async Task<IMessage> Execute(Caller caller, Command command, string correlationId, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            var outcome = (await Run(caller, [command], correlationId, cancellation))[0];
            if (outcome.Result is { } result) return result;
            if (outcome.Failure is Rejection lost && lost.Status.Code == (int)Google.Rpc.Code.Aborted && command.ExpectedVersion is null
                && attempt < MaxAttemptsWithoutExpectedVersion)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 << attempt)), cancellation);
                continue;
            }
            ExceptionDispatchInfo.Throw(outcome.Failure!);
        }
    }

    /// Runs a burst of commands (from Sync) with a fixed handful of round trips (cases, receipts, locked identifiers) and
    /// one transaction, deciding each on the state its predecessors in the burst left. If that transaction fails
    /// (another writer, a racing retry, a duplicate reference) nothing of it stays, and every command runs again on its
    /// own to get its precise answer.
    public async Task<IReadOnlyList<CommandOutcome>> ExecuteBurst(Caller caller, IReadOnlyList<Command> commands, string correlationId, CancellationToken cancellation)
    {
        var receiptIds = commands.Select(c => CommandReceipt.IdFor(caller.UnitId, c.CommandId)).ToArray();
        if (commands.Count == 1 || receiptIds.Distinct().Count() != receiptIds.Length || commands.Any(c => c.ReadsBeforeDeciding))
            return await OneByOne(caller, commands, correlationId, cancellation);
        return await Run(caller, commands, correlationId, cancellation);
    }

    /// Where a case's stream stands while the burst decides: the state and version its last command left.
    private sealed class CaseStream(CaseFile? state, long version, IEventStream<CaseFile>? fetched)
    {
        public CaseFile? State { get; set; } = state;
        public long Version { get; set; } = version;
        /// The version read, checked again at commit.
        public long ReadVersion { get; } = version;
        public IEventStream<CaseFile>? Fetched { get; } = fetched;
    }

    private async Task<IReadOnlyList<CommandOutcome>> Run(Caller caller, IReadOnlyList<Command> commands, string correlationId, CancellationToken cancellation)
    {
        var alone = commands.Count == 1;
        using var activity = HubTelemetry.Source.StartActivity(alone ? "case command" : "case command burst");
        activity?.SetTag("evidencehub.unit", caller.UnitId);
        if (alone)
        {
            activity?.SetTag("evidencehub.command", commands[0].Request.Descriptor.Name);
            activity?.SetTag("evidencehub.case_id", commands[0].CaseId);
        }
        else activity?.SetTag("evidencehub.commands", commands.Count);
        var receiptIds = commands.Select(c => CommandReceipt.IdFor(caller.UnitId, c.CommandId)).ToArray();
        var caseIds = commands.Select(c => c.CaseId).OfType<Guid>().Distinct().ToArray();

        await using var session = store.SessionFor(caller, correlationId);
        var sealedCases = commands.Where(c => c.ReadsSealedFields).Select(c => c.CaseId).OfType<Guid>().Distinct().ToArray();
        var (receipts, streams, subjectKeys) = alone
            ? await ReadAlone(session, commands[0], receiptIds[0], cancellation)
            : await ReadBurst(session, receiptIds, caseIds, sealedCases, cancellation);
        if (alone && receipts.TryGetValue(receiptIds[0], out var done)) return [Replayed(done, commands[0])];
        if (alone && commands[0].ReadsBeforeDeciding && Visible(streams.GetValueOrDefault(commands[0].CaseId ?? Guid.Empty)?.State, caller, clock.GetUtcNow()) is { } seen)
        {
            await session.BeginTransactionAsync(cancellation);
            commands = [await commands[0].Prepared(session, seen, clock.GetUtcNow(), cancellation)];
        }

        foreach (var preparation in commands.Select(c => c.Preparation).OfType<ICommandPreparation>().Distinct())
            await preparation.Prepare(session, commands, cancellation);
        var keys = new List<string>();
        var seenAt = clock.GetUtcNow();
        foreach (var command in commands)
        {
            // A command that cannot name its keys yet (its case opens in this burst) names them when it decides; if
            // they were not locked, the burst runs one by one. A case the caller may not see costs what a missing one
            // does; a request whose keys are bad input is refused when it decides, after the checks every command gets.
            try { keys.AddRange(command.KeysToLock(Visible(StreamOf(command)?.State, caller, seenAt))); }
            catch (Rejection) { }
        }
        // Read only for a case the caller may see: a hidden one costs what a missing one does.
        var wholeCases = commands.Where(c => c.LocksEveryIdentifierOfItsCase && Visible(StreamOf(c)?.State, caller, seenAt) is not null)
            .Select(c => c.CaseId!.Value).Distinct().ToArray();
        if (wholeCases.Length > 0)
        {
            // Exclusively before the keys are read: a hash of the case's imported rows has no key lock until someone
            // correlates on it, and a hash writer (holding the lock shared) could otherwise correlate with the case
            // after its keys were read, unseen by the erasure or restriction (Media.HashListLock).
            await session.BeginTransactionAsync(cancellation);
            await session.QueryAsync<long>($"select count(*) from (select {Media.HashListLock.ExclusiveCall}) locked", cancellation);
            keys.AddRange(await LockedIdentifiers.KeysHeldBy(session, wholeCases, cancellation));
        }
        var index = await LockAndLoadIndex(session, keys, caseIds, caller, seenAt, cancellation);

        var outcomes = new CommandOutcome[commands.Count];
        var newReceipts = new List<(string, CommandReceipt)>(commands.Count);
        var records = new List<Audit.AccessEntry>();
        // One ring for the burst: a later command reads what an earlier one sealed.
        var createdKeys = new List<SubjectKey>();
        var erased = new List<IErasesSubject>();
        var erasedCases = new List<(IErasesCase Erasure, string ReceiptId)>();
        var now = clock.GetUtcNow();
        var appended = 0;
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            try
            {
                if (receipts.TryGetValue(receiptIds[i], out var earlier))
                {
                    outcomes[i] = Replayed(earlier, command);
                    continue;
                }
                var stream = StreamOf(command);
                var (state, version) = stream is null ? (null, 0L) : (stream.State, stream.Version);
                EnsureAddressable(caller, command, state, version, now);
                if (command.ExpectedVersion is { } expected && expected != version)
                    throw StaleVersion(command.CaseId!.Value, expected, version);

                var decision = command.Decide(state, index, subjectKeys, now);
                createdKeys.AddRange(subjectKeys.TakeCreated());
                erased.AddRange(decision.Events.OfType<IErasesSubject>());
                erasedCases.AddRange(decision.Events.OfType<IErasesCase>().Select(e => (e, receiptIds[i])));
                var caseEvents = Append(session, decision.Events, command, stream);
                var result = Completed(command, decision.Result, version + caseEvents);
                if (!alone)
                {
                    // Only a later command of the burst reads what this one left.
                    var eventVersion = version;
                    foreach (var @event in decision.Events)
                    {
                        if (@event is not (IIdentifierEvent or IHubStreamEvent))
                        {
                            state = CaseFile.Evolve(state, @event, now);
                            eventVersion++;
                        }
                        index.Record(@event, state, new CaseRevision(eventVersion, now), caller.UnitId);
                    }
                    if (stream is not null) stream.State = state;
                }
                if (stream is not null) stream.Version = version + caseEvents;
                appended += decision.Events.Count;
                if (CommandCatalog.Success(caller, command, decision, correlationId) is { } record) records.Add(record);

                foreach (var document in command.Documents) session.Insert(document);
                newReceipts.Add((receiptIds[i], new CommandReceipt
                {
                    Id = receiptIds[i], Fingerprint = CommandReceipt.FingerprintOf(command.Request), Result = command.Receipted(result).ToByteArray(), CaseId = command.CaseId ?? Guid.Empty,
                    Subject = decision.Subject,
                }));
                outcomes[i] = new CommandOutcome(result, null);
            }
            catch (Rejection rejection)
            {
                subjectKeys.TakeCreated();
                outcomes[i] = new CommandOutcome(null, rejection);
            }
            catch (Exception exception) when (!alone && (exception is LockedIdentifiers.KeyNotLoaded || !RpcStatusMapping.EndsTheCall(exception, cancellation)))
            {
                // An unexpected failure may have left the burst's session half-written: each command runs on its
                // own, so that only the one that failed answers with it.
                await session.DisposeAsync();
                return await OneByOne(caller, commands, correlationId, cancellation);
            }
        }
        if (newReceipts.Count == 0) return outcomes;

        // New keys before any destruction: a link made and erased in one burst leaves no key behind. An erased
        // subject's receipts (earlier ones, and this burst's) become tombstones.
        SubjectKeyStore.Create(session, createdKeys);
        foreach (var erasure in erased)
        {
            SubjectKeyStore.Destroy(session, erasure.CaseId, [erasure.Subject]);
            CommandReceipt.TombstonesAbout(session, erasure.CaseId, erasure.Subject);
        }
        var erasedSubjects = erased.Select(e => e.Subject).ToHashSet();
        foreach (var (_, receipt) in newReceipts.Where(r => r.Item2.Subject is { } subject && erasedSubjects.Contains(subject)))
            receipt.Tombstone();
        // A whole case erased: every key of it, and every receipt of its commands (their answers name its data) but the
        // erasing command's own, which answers a retry.
        foreach (var (erasure, erasingReceipt) in erasedCases)
        {
            SubjectKeyStore.DestroyCase(session, erasure.CaseId);
            CommandReceipt.DeleteOfCase(session, erasure.CaseId);
            newReceipts.RemoveAll(r => r.Item2.CaseId == erasure.CaseId && r.Item1 != erasingReceipt);
        }

        // All receipts in one statement; a receipt already stored (a racing retry) fails it like any collision.
        BulkDocuments.Insert(session, newReceipts);
        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (Exception exception) when (IsCollision(exception) || (!alone && !RpcStatusMapping.EndsTheCall(exception, cancellation)))
        {
            return alone
                ? [await Collided(caller, commands[0], receiptIds[0], exception, cancellation)]
                : await OneByOne(caller, commands, correlationId, cancellation);
        }
        HubTelemetry.EventsAppended.Add(appended);
        await accessLog.RecordItems(records, cancellation);
        return outcomes;

        CaseStream? StreamOf(Command command) => command.CaseId is { } id ? streams[id] : null;
    }

    /// A single command: its receipt first (a retry answers without waiting), then, for a command without an expected
    /// version, its case's lock, then the case as Marten's FetchForWriting reads it (with the case's subject keys in the
    /// same batch, for a command that reads sealed fields).
    private static async Task<(Dictionary<string, CommandReceipt>, Dictionary<Guid, CaseStream>, SubjectKeyRing)> ReadAlone(
        IDocumentSession session, Command command, string receiptId, CancellationToken cancellation)
    {
        if (await session.LoadAsync<CommandReceipt>(receiptId, cancellation) is { } earlier)
            return (new() { [receiptId] = earlier }, [], new SubjectKeyRing());
        var streams = new Dictionary<Guid, CaseStream>();
        var keys = new SubjectKeyRing();
        if (command.CaseId is { } caseId)
        {
            // A command without an expected version asked for no concurrency check: it waits for the case instead of
            // racing it. Checked at commit either way: the case is still where it was read.
            if (command.ExpectedVersion is null) await LockCase(session, caseId, cancellation);
            IEventStream<CaseFile> fetched;
            if (command.ReadsSealedFields)
            {
                var batch = session.CreateBatchQuery();
                var fetching = batch.Events.FetchForWriting<CaseFile>(caseId);
                var loadingKeys = SubjectKeyStore.LoadCases(batch, [caseId]);
                await batch.Execute(cancellation);
                (fetched, keys) = (await fetching, await loadingKeys());
            }
            else fetched = await session.Events.FetchForWriting<CaseFile>(caseId, cancellation);
            streams[caseId] = new CaseStream(fetched.Aggregate, fetched.CurrentVersion.GetValueOrDefault(), fetched);
        }
        return ([], streams, keys);
    }

    /// The cases' versions first, then their files and the receipts in one batch: a change in between makes the file
    /// newer than the version the burst expects, and the commit fails on it (FetchForWriting per case would cost two
    /// statements a case).
    private static async Task<(Dictionary<string, CommandReceipt>, Dictionary<Guid, CaseStream>, SubjectKeyRing)> ReadBurst(
        IDocumentSession session, string[] receiptIds, Guid[] caseIds, Guid[] sealedCases, CancellationToken cancellation)
    {
        var versions = caseIds.Length == 0
            ? []
            : (await session.QueryAsync<StreamVersion>(
                    $"SELECT jsonb_build_object('Id', id, 'Version', version) FROM {EventStore.Schema}.mt_streams WHERE id = ANY(?)", cancellation, [caseIds]))
                .ToDictionary(v => v.Id, v => v.Version);
        var batch = session.CreateBatchQuery();
        var earlierReceipts = batch.LoadMany<CommandReceipt>().ById(receiptIds);
        var loadingFiles = batch.LoadMany<CaseFile>().ById(caseIds);
        var loadingKeys = sealedCases.Length > 0 ? SubjectKeyStore.LoadCases(batch, sealedCases) : null;
        await batch.Execute(cancellation);
        var files = (await loadingFiles).ToDictionary(f => f.Id);
        return ((await earlierReceipts).ToDictionary(r => r.Id),
            caseIds.ToDictionary(id => id, id => new CaseStream(files.GetValueOrDefault(id), versions.GetValueOrDefault(id), null)),
            loadingKeys is null ? new SubjectKeyRing() : await loadingKeys());
    }

    private sealed record StreamVersion(Guid Id, long Version);

    /// Commands that stated no expected_version take their turn on the case (a lock held until the transaction ends)
    /// instead of racing each other; a lost race against a burst or a versioned command is retried by Execute.
    private static async Task LockCase(IDocumentSession session, Guid caseId, CancellationToken cancellation)
    {
        await session.BeginTransactionAsync(cancellation);
        await session.QueryAsync<long>("select count(*) from (select pg_advisory_xact_lock(hashtextextended(?, 11))) locked",
            cancellation, ["case:" + caseId]);
    }

    /// Takes the identifiers' locks inside the transaction (they are released when it ends) and reads their index,
    /// with the active identifier counts of the cases named and what the caller may see of the holders (for its write
    /// results).
    private async Task<LockedIdentifiers> LockAndLoadIndex(IDocumentSession session, IReadOnlyList<string> keys, IReadOnlyCollection<Guid> cases, Caller caller,
        DateTimeOffset now, CancellationToken cancellation)
    {
        if (keys.Count == 0) return LockedIdentifiers.Empty;
        await session.BeginTransactionAsync(cancellation);
        return await LockedIdentifiers.LockAndLoad(session, keys, correlation.Value, cases, cancellation, new Recipient(caller.UnitId), now);
    }

    /// Another writer, a racing retry or a duplicate reference; Marten reports several at once as an AggregateException,
    /// and a duplicate among bulk-inserted receipts as PostgreSQL's unique violation.
    private static bool IsCollision(Exception exception) => exception switch
    {
        DocumentAlreadyExistsException or ConcurrencyException => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsCollision),
        { InnerException: { } inner } => IsCollision(inner),
        _ => false,
    };

    private static bool ClaimsTakenReference(Exception exception) => exception switch
    {
        DocumentAlreadyExistsException { DocType: var type } when type == typeof(CaseReferenceClaim) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(ClaimsTakenReference),
        { InnerException: { } inner } => ClaimsTakenReference(inner),
        _ => false,
    };

    /// A single command lost at commit. A client that retried before the first attempt answered races itself: the
    /// winner's answer stands.
    private async Task<CommandOutcome> Collided(Caller caller, Command command, string receiptId, Exception exception, CancellationToken cancellation)
    {
        await using var reader = store.QuerySession();
        if (await reader.LoadAsync<CommandReceipt>(receiptId, cancellation) is { } winner) return Replayed(winner, command);
        if (ClaimsTakenReference(exception))
            return new(null, Rejection.AlreadyExists("case reference", caller.UnitId, "reference", "this unit already has a case with this reference"));
        return new(null, await StaleVersion(caller, command, cancellation));
    }

    private async Task<IReadOnlyList<CommandOutcome>> OneByOne(Caller caller, IReadOnlyList<Command> commands, string correlationId, CancellationToken cancellation)
    {
        var outcomes = new List<CommandOutcome>(commands.Count);
        foreach (var command in commands)
        {
            try { outcomes.Add(new CommandOutcome(await Execute(caller, command, correlationId, cancellation), null)); }
            catch (Exception failure) when (failure is Rejection || !RpcStatusMapping.EndsTheCall(failure, cancellation))
            {
                outcomes.Add(new CommandOutcome(null, failure));
            }
        }
        return outcomes;
    }

    /// Case events go to the case's stream, identifier events to their identifier's stream; each event names the
    /// command that caused it, also when one transaction holds several commands. Returns how many joined the case.
    private static int Append(IDocumentSession session, IReadOnlyList<object> events, Command command, CaseStream? stream)
    {
        var caseEvents = events.Where(e => e is not (IIdentifierEvent or IHubStreamEvent)).ToArray();
        if (caseEvents.Length > 0)
        {
            IReadOnlyList<IEvent> pending;
            if (stream?.Fetched is { } fetched)
            {
                fetched.AppendMany(caseEvents);
                pending = fetched.Events;
            }
            else
            {
                var action = session.Events.Append(command.CaseId!.Value, caseEvents);
                // Checked at commit: the case is still where the burst read it.
                action.ExpectedVersionOnServer ??= stream?.ReadVersion ?? 0;
                pending = action.Events;
            }
            Stamp(pending.TakeLast(caseEvents.Length), command);
        }
        foreach (var identifierEvent in events.OfType<IIdentifierEvent>())
            Stamp(session.Events.Append(IdentifierCorrelations.StreamIdFor(identifierEvent.Key), identifierEvent).Events.TakeLast(1), command);
        foreach (var hubEvent in events.OfType<IHubStreamEvent>())
            Stamp(session.Events.Append(hubEvent.StreamId, hubEvent).Events.TakeLast(1), command);
        return caseEvents.Length;
    }

    private static void Stamp(IEnumerable<IEvent> events, Command command)
    {
        foreach (var appended in events)
        {
            appended.CausationId = command.CommandId;
            appended.SetHeader(EventHeaders.CommandId, command.CommandId);
        }
    }

    private static IMessage Completed(Command command, IMessage result, long version)
    {
        if (result is CommandResult onCase && command.CaseId is { } caseId)
        {
            onCase.CaseId = caseId.ToString();
            onCase.Version = version;
        }
        if (result is FileTakedownRequestResult filed && command.CaseId is { } filedOn)
        {
            filed.CaseId = filedOn.ToString();
            filed.Version = version;
        }
        return result;
    }

    /// The first check on every command on a case, before versions, duplicates and the case's state: a stream that is
    /// no case (none at all, or one of the hub's own, such as an identifier's) and a case the caller may not see answer
    /// exactly as a case that does not exist, so that no answer tells them apart, names an owner or gives a version away.
    private static void EnsureAddressable(Caller caller, Command command, CaseFile? state, long version, DateTimeOffset now)
    {
        if (command.Case is not { } target) return;
        if (command.OpensCase)
        {
            if (state is not null || version > 0)
                throw Rejection.AlreadyExists("case", target.Id.ToString(), "case_id", "a case with this id already exists");
            return;
        }
        if (Visible(state, caller, now) is null) throw target.NotFound();
        // An erased case is a marker that a case was there: it takes nothing more (erasing it again is a no-op).
        if (state!.IsErased && command is not EraseCase)
            throw Rejection.FailedPrecondition("CASE_ERASED", $"Case {target.Id} was erased and takes no more commands.", ("case_id", target.Id.ToString()));
        // A reference names the case the caller's unit opened under it (in a Sync burst, one opened earlier in it):
        // should that open have failed, the reference names no case rather than the one its id collided with.
        if (target.Reference is { } reference && (state!.OpenedByUnit != caller.UnitId || state.Reference != reference))
            throw target.NotFound();
    }

    /// The hub's own caller (HubCaller) addresses every case; what it may do there is each decider's rule.
    private static CaseFile? Visible(CaseFile? state, Caller caller, DateTimeOffset now) =>
        state is not null && (caller.IsHub() || CaseVisibility.Of(state, caller, now) != CaseView.None) ? state : null;

    /// Someone else appended first: a client that stated the version it saw learns the current one (if it may still
    /// see the case); a client that did not may simply retry.
    private async Task<Rejection> StaleVersion(Caller caller, Command command, CancellationToken cancellation)
    {
        if (command.Case is not { } target)
            return Rejection.Aborted("CONCURRENT_CHANGE", "The identifier changed while the command ran; retry it.");
        await using var reader = store.QuerySession();
        var batch = reader.CreateBatchQuery();
        var loadingState = batch.Events.FetchStreamState(target.Id);
        var loadingFile = batch.Load<CaseFile>(target.Id);
        await batch.Execute(cancellation);
        var (state, file) = (await loadingState, await loadingFile);
        if (state is null || Visible(file, caller, clock.GetUtcNow()) is null) return target.NotFound();
        return command.ExpectedVersion is { } expected
            ? StaleVersion(target.Id, expected, state.Version)
            : Rejection.Aborted("CONCURRENT_CHANGE", $"Case {target.Id} changed while the command ran; retry it.");
    }

    private static Rejection StaleVersion(Guid caseId, long expected, long current) =>
        Rejection.FailedPrecondition("STALE_VERSION",
            $"expected_version {expected} is stale: case {caseId} is at version {current}.",
            ("current_version", current.ToString()), ("case_id", caseId.ToString()));

    /// The stored answer of an earlier run, marked as replayed; a different command under a used id is refused.
    private static CommandOutcome Replayed(CommandReceipt receipt, Command command)
    {
        try
        {
            var result = receipt.Replay(command.ResultParser, CommandReceipt.FingerprintOf(command.Request), command.CommandId);
            result.Descriptor.FindFieldByName("replayed").Accessor.SetValue(result, true);
            return new CommandOutcome(result, null);
        }
        catch (Rejection rejection) { return new CommandOutcome(null, rejection); }
    }
}
