using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
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

/// What became of one command: its result, or the rejection that explains why nothing was written.
public readonly record struct CommandOutcome(CommandResult? Result, Exception? Failure);

/// Runs case commands: idempotent by command id, optimistic on the case version, each command's events stored in one
/// transaction with their metadata (unit, user, correlation id, command id) and the receipt that makes a retry harmless.
public sealed class CaseCommandExecutor(IDocumentStore store, TimeProvider clock, IOptions<CorrelationOptions> correlation)
{
    /// Tries for a command that stated no expected_version and keeps losing the race to other writers.
    public const int MaxAttemptsWithoutExpectedVersion = 5;

    /// A command without expected_version asked for no concurrency check: a lost race is retried here, on the new
    /// state, with a short random pause so that racing writers spread out; ABORTED only when every try lost.
    public async Task<CommandResult> Execute(Caller caller, CaseCommand command, string correlationId, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await ExecuteOnce(caller, command, correlationId, cancellation); }
            catch (Rejection lost) when (lost.Status.Code == (int)Google.Rpc.Code.Aborted && command.ExpectedVersion is null
                                         && attempt < MaxAttemptsWithoutExpectedVersion)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 << attempt)), cancellation);
            }
        }
    }

    private async Task<CommandResult> ExecuteOnce(Caller caller, CaseCommand command, string correlationId, CancellationToken cancellation)
    {
        using var activity = HubTelemetry.Source.StartActivity("case command");
        activity?.SetTag("evidencehub.unit", caller.UnitId);
        activity?.SetTag("evidencehub.command", command.Request.Descriptor.Name);
        activity?.SetTag("evidencehub.case_id", command.CaseId);
        var receiptId = CommandReceipt.IdFor(caller.UnitId, command.CommandId);
        var fingerprint = Fingerprint(command);

        await using var session = store.SessionFor(caller, correlationId);
        var earlier = await session.LoadAsync<CommandReceipt>(receiptId, cancellation);
        if (earlier is not null) return Replay(earlier, fingerprint, command);

        // A command without an expected version asked for no concurrency check: it waits for the case instead of
        // racing it. Checked at commit either way: the case is still where it was read.
        if (command.ExpectedVersion is null) await LockCase(session, command.CaseId, cancellation);
        var stream = await session.Events.FetchForWriting<CaseFile>(command.CaseId, cancellation);
        var versionBefore = stream.CurrentVersion.GetValueOrDefault();
        EnsureAddressable(caller, command, stream.Aggregate, versionBefore);
        if (command.ExpectedVersion is { } expected && expected != versionBefore)
            throw StaleVersion(command.CaseId, expected, versionBefore);
        var index = await LockAndLoadIndex(session, command.IndexKeys(stream.Aggregate), [command.CaseId], caller, cancellation);
        var events = command.Decide(stream.Aggregate, index);
        var caseEvents = Append(session, events, command, toCase =>
        {
            stream.AppendMany(toCase);
            return stream.Events;
        });
        var result = Completed(command, command.Describe(stream.Aggregate, index, events), versionBefore + caseEvents);

        foreach (var document in command.Documents) session.Insert(document);
        session.Insert(new CommandReceipt { Id = receiptId, Fingerprint = fingerprint, Result = result.ToByteArray(), CaseId = command.CaseId });

        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (Exception exception) when (exception is ConcurrencyException or DocumentAlreadyExistsException)
        {
            // A client that retried before the first attempt answered races itself: the winner's answer stands.
            await using var reader = store.QuerySession();
            if (await reader.LoadAsync<CommandReceipt>(receiptId, cancellation) is { } winner)
                return Replay(winner, fingerprint, command);
            if (exception is DocumentAlreadyExistsException { DocType: var type } && type == typeof(CaseReferenceClaim))
                throw Rejection.AlreadyExists("case reference", caller.UnitId, "reference", "this unit already has a case with this reference");
            throw await StaleVersion(caller, command, cancellation);
        }

        HubTelemetry.EventsAppended.Add(events.Count);
        return result;
    }

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
    private async Task<IdentifierIndex> LockAndLoadIndex(IDocumentSession session, IReadOnlyList<string> keys, IReadOnlyCollection<Guid> cases, Caller caller, CancellationToken cancellation)
    {
        if (keys.Count == 0) return IdentifierIndex.Empty;
        await session.BeginTransactionAsync(cancellation);
        return await IdentifierIndex.LockAndLoad(session, keys, correlation.Value, cases, cancellation, new Recipient(caller.UnitId), clock.GetUtcNow());
    }

    /// Runs a burst of commands (from Sync) with a fixed handful of round trips (cases, receipts, identifier index) and
    /// one transaction, deciding each on the state its predecessors in the burst left. If that transaction fails (another writer, a racing retry, a
    /// duplicate reference) nothing of it stays, and every command runs again on its own to get its precise answer.
    public async Task<IReadOnlyList<CommandOutcome>> ExecuteBurst(Caller caller, IReadOnlyList<CaseCommand> commands, string correlationId, CancellationToken cancellation)
    {
        using var activity = HubTelemetry.Source.StartActivity("case command burst");
        activity?.SetTag("evidencehub.unit", caller.UnitId);
        activity?.SetTag("evidencehub.commands", commands.Count);
        var receiptIds = commands.Select(c => CommandReceipt.IdFor(caller.UnitId, c.CommandId)).ToArray();
        if (commands.Count == 1 || receiptIds.Distinct().Count() != receiptIds.Length)
            return await OneByOne(caller, commands, correlationId, cancellation);

        await using var session = store.SessionFor(caller, correlationId);
        // The cases' versions first, then their files: a change in between makes the file newer than the version the
        // burst expects, and the commit fails on it (FetchForWriting per case would cost two statements a case).
        var caseIds = commands.Select(c => c.CaseId).Distinct().ToArray();
        var versions = (await session.QueryAsync<StreamVersion>(
                $"SELECT jsonb_build_object('Id', id, 'Version', version) FROM {EventStore.Schema}.mt_streams WHERE id = ANY(?)", cancellation, [caseIds]))
            .ToDictionary(v => v.Id, v => v.Version);
        var batch = session.CreateBatchQuery();
        var earlierReceipts = batch.LoadMany<CommandReceipt>().ById(receiptIds);
        var loadingFiles = batch.LoadMany<CaseFile>().ById(caseIds);
        await batch.Execute(cancellation);

        var receipts = (await earlierReceipts).ToDictionary(r => r.Id);
        var files = (await loadingFiles).ToDictionary(f => f.Id);
        var streams = caseIds.ToDictionary(id => id, id => (State: files.GetValueOrDefault(id), Version: versions.GetValueOrDefault(id)));

        var keys = new List<string>();
        foreach (var command in commands)
        {
            // A command that cannot name its keys yet (its case opens in this burst) names them when it decides;
            // if they were not locked, the burst runs one by one.
            // A case the caller may not see costs what a missing one does.
            try { keys.AddRange(command.IndexKeys(Visible(streams[command.CaseId].State, caller))); }
            catch (Rejection) { }
        }
        var index = await LockAndLoadIndex(session, keys, caseIds, caller, cancellation);

        var outcomes = new CommandOutcome[commands.Count];
        var newReceipts = new List<(string, CommandReceipt)>(commands.Count);
        var now = clock.GetUtcNow();
        var appended = 0;
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            var fingerprint = Fingerprint(command);
            try
            {
                if (receipts.TryGetValue(receiptIds[i], out var earlier))
                {
                    outcomes[i] = new CommandOutcome(Replay(earlier, fingerprint, command), null);
                    continue;
                }
                var (state, version) = streams[command.CaseId];
                EnsureAddressable(caller, command, state, version);
                if (command.ExpectedVersion is { } expected && expected != version)
                    throw StaleVersion(command.CaseId, expected, version);

                var events = command.Decide(state, index);
                var caseEvents = Append(session, events, command, toCase =>
                {
                    var action = session.Events.Append(command.CaseId, toCase);
                    // Checked at commit: the case is still where the burst read it.
                    action.ExpectedVersionOnServer ??= versions.GetValueOrDefault(command.CaseId);
                    return action.Events;
                });
                var result = Completed(command, command.Describe(state, index, events), version + caseEvents);
                var eventVersion = version;
                foreach (var @event in events)
                {
                    if (@event is not IIdentifierEvent)
                    {
                        state = CaseFile.Evolve(state, @event, now);
                        eventVersion++;
                    }
                    index.Record(@event, state, new CaseRevision(eventVersion, now));
                }
                streams[command.CaseId] = (state, version + caseEvents);
                appended += events.Count;

                foreach (var document in command.Documents) session.Insert(document);
                newReceipts.Add((receiptIds[i], new CommandReceipt { Id = receiptIds[i], Fingerprint = fingerprint, Result = result.ToByteArray(), CaseId = command.CaseId }));
                outcomes[i] = new CommandOutcome(result, null);
            }
            catch (Rejection rejection)
            {
                outcomes[i] = new CommandOutcome(null, rejection);
            }
            catch (Exception exception) when (exception is IdentifierIndex.KeyNotLoaded || !RpcStatusMapping.EndsTheCall(exception, cancellation))
            {
                // An unexpected failure may have left the burst's session half-written: each command runs on its
                // own, so that only the one that failed answers with it.
                await session.DisposeAsync();
                return await OneByOne(caller, commands, correlationId, cancellation);
            }
        }

        // All receipts in one statement; a receipt already stored (a racing retry) fails it like any collision.
        BulkDocuments.Insert(session, newReceipts);
        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (Exception exception) when (IsCollision(exception) || !RpcStatusMapping.EndsTheCall(exception, cancellation))
        {
            return await OneByOne(caller, commands, correlationId, cancellation);
        }
        HubTelemetry.EventsAppended.Add(appended);
        return outcomes;
    }

    private sealed record StreamVersion(Guid Id, long Version);

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

    private async Task<IReadOnlyList<CommandOutcome>> OneByOne(Caller caller, IReadOnlyList<CaseCommand> commands, string correlationId, CancellationToken cancellation)
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

    /// Case events go to the case's stream (appendToCase appends them and returns the stream's pending events),
    /// identifier events to their identifier's stream; each event names the command that caused it, also when one
    /// transaction holds several commands. Returns how many joined the case.
    private static int Append(IDocumentSession session, IReadOnlyList<object> events, CaseCommand command, Func<object[], IReadOnlyList<IEvent>> appendToCase)
    {
        var caseEvents = events.Where(e => e is not IIdentifierEvent).ToArray();
        if (caseEvents.Length > 0) Stamp(appendToCase(caseEvents).TakeLast(caseEvents.Length), command);
        foreach (var identifierEvent in events.OfType<IIdentifierEvent>())
            Stamp(session.Events.Append(IdentifierCorrelations.StreamIdFor(identifierEvent.Key), identifierEvent).Events.TakeLast(1), command);
        return caseEvents.Length;
    }

    private static void Stamp(IEnumerable<IEvent> events, CaseCommand command)
    {
        foreach (var appended in events)
        {
            appended.CausationId = command.CommandId;
            appended.SetHeader("command_id", command.CommandId);
        }
    }

    private static string Fingerprint(CaseCommand command) => CommandReceipt.FingerprintOf(command.Request);

    private static CommandResult Completed(CaseCommand command, CommandResult result, long version)
    {
        result.CaseId = command.CaseId.ToString();
        result.Version = version;
        return result;
    }

    /// The first check on every command, before versions, duplicates and the case's state: a stream that is no case
    /// (none at all, or one of the hub's own, such as an identifier's) and a case the caller may not see answer exactly
    /// as a case that does not exist, so that no answer tells them apart, names an owner or gives a version away.
    private void EnsureAddressable(Caller caller, CaseCommand command, CaseFile? state, long version)
    {
        if (command.OpensCase)
        {
            if (state is not null || version > 0)
                throw Rejection.AlreadyExists("case", command.CaseId.ToString(), "case_id", "a case with this id already exists");
            return;
        }
        if (Visible(state, caller) is null) throw command.Target.NotFound();
        // A reference names the case the caller's unit opened under it (in a Sync burst, one opened earlier in it):
        // should that open have failed, the reference names no case rather than the one its id collided with.
        if (command.CaseReference is { } reference && (state!.OpenedByUnit != caller.UnitId || state.Reference != reference))
            throw command.Target.NotFound();
    }

    private CaseFile? Visible(CaseFile? state, Caller caller) =>
        state is not null && CaseVisibility.Of(state, caller, clock.GetUtcNow()) != CaseView.None ? state : null;

    /// Someone else appended first: a client that stated the version it saw learns the current one (if it may still
    /// see the case); a client that did not may simply retry.
    private async Task<Rejection> StaleVersion(Caller caller, CaseCommand command, CancellationToken cancellation)
    {
        await using var reader = store.QuerySession();
        var batch = reader.CreateBatchQuery();
        var loadingState = batch.Events.FetchStreamState(command.CaseId);
        var loadingFile = batch.Load<CaseFile>(command.CaseId);
        await batch.Execute(cancellation);
        var (state, file) = (await loadingState, await loadingFile);
        if (state is null || Visible(file, caller) is null) return command.Target.NotFound();
        return command.ExpectedVersion is { } expected
            ? StaleVersion(command.CaseId, expected, state.Version)
            : Rejection.Aborted("CONCURRENT_CHANGE", $"Case {command.CaseId} changed while the command ran; retry it.");
    }

    private static Rejection StaleVersion(Guid caseId, long expected, long current) =>
        Rejection.FailedPrecondition("STALE_VERSION",
            $"expected_version {expected} is stale: case {caseId} is at version {current}.",
            ("current_version", current.ToString()), ("case_id", caseId.ToString()));

    private static CommandResult Replay(CommandReceipt receipt, string fingerprint, CaseCommand command)
    {
        var result = receipt.Replay(CommandResult.Parser, fingerprint, command.CommandId);
        result.Replayed = true;
        return result;
    }
}
