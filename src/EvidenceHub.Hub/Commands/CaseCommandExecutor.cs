using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Telemetry;
using Google.Protobuf;
using JasperFx;
using Marten;

namespace EvidenceHub.Hub.Commands;

/// Runs case commands: idempotent by command id, optimistic on the case version, one transaction per command holding
/// the events, their metadata (unit, user, correlation id) and the receipt that makes a retry harmless.
public sealed class CaseCommandExecutor(IDocumentStore store)
{
    public async Task<CommandResult> Execute(Caller caller, CaseCommand command, string correlationId, CancellationToken cancellation)
    {
        var receiptId = CommandReceipt.IdFor(caller.UnitId, command.CommandId);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(command.Request.ToByteArray()));

        await using var session = store.LightweightSession();
        session.CorrelationId = correlationId;
        session.CausationId = command.CommandId;
        session.LastModifiedBy = caller.Actor;
        session.SetHeader("unit", caller.UnitId);
        session.SetHeader("user", caller.User);
        session.SetHeader("command_id", command.CommandId);

        var earlier = await session.LoadAsync<CommandReceipt>(receiptId, cancellation);
        if (earlier is not null) return Replay(earlier, fingerprint, command);

        var stream = await FetchForWriting(session, command, cancellation);
        var events = command.Decide(stream.Aggregate);
        var result = command.Describe(stream.Aggregate, events);
        result.CaseId = command.CaseId.ToString();
        result.Version = stream.CurrentVersion.GetValueOrDefault() + events.Count;

        if (events.Count > 0) stream.AppendMany(events);
        foreach (var document in command.Documents) session.Insert(document);
        session.Insert(new CommandReceipt { Id = receiptId, Fingerprint = fingerprint, Result = result.ToByteArray(), CaseId = command.CaseId });

        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (DocumentAlreadyExistsException duplicate) when (duplicate.DocType == typeof(CommandReceipt))
        {
            // The same command raced itself (a client retried before the first attempt answered): the winner's answer stands.
            await using var reader = store.QuerySession();
            var winner = await reader.LoadAsync<CommandReceipt>(receiptId, cancellation);
            return Replay(winner!, fingerprint, command);
        }
        catch (DocumentAlreadyExistsException duplicate) when (duplicate.DocType == typeof(CaseReferenceClaim))
        {
            throw Rejection.AlreadyExists("case reference", caller.UnitId + "/" + stream.Aggregate?.Reference, "reference",
                "this unit already has a case with this reference");
        }
        catch (ConcurrencyException)
        {
            throw await StaleVersion(command, cancellation);
        }

        HubTelemetry.EventsAppended.Add(events.Count);
        return result;
    }

    private async Task<JasperFx.Events.IEventStream<CaseFile>> FetchForWriting(IDocumentSession session, CaseCommand command, CancellationToken cancellation)
    {
        try
        {
            return command.ExpectedVersion is { } expected
                ? await session.Events.FetchForWriting<CaseFile>(command.CaseId, expected, cancellation)
                : await session.Events.FetchForWriting<CaseFile>(command.CaseId, cancellation);
        }
        catch (ConcurrencyException)
        {
            throw await StaleVersion(command, cancellation);
        }
    }

    /// Someone else appended first: a client that stated the version it saw learns the current one; a client that
    /// did not may simply retry.
    private async Task<Rejection> StaleVersion(CaseCommand command, CancellationToken cancellation)
    {
        await using var reader = store.QuerySession();
        var state = await reader.Events.FetchStreamStateAsync(command.CaseId, cancellation);
        if (state is null) return Rejection.NotFound("case", command.CaseId.ToString(), "case_id");
        if (command.ExpectedVersion is { } expected)
            return Rejection.FailedPrecondition("STALE_VERSION",
                $"expected_version {expected} is stale: case {command.CaseId} is at version {state.Version}.",
                ("current_version", state.Version.ToString()), ("case_id", command.CaseId.ToString()));
        return Rejection.Aborted("CONCURRENT_CHANGE", $"Case {command.CaseId} changed while the command ran; retry it.");
    }

    private static CommandResult Replay(CommandReceipt receipt, string fingerprint, CaseCommand command)
    {
        if (receipt.Fingerprint != fingerprint)
            throw Rejection.AlreadyExists("command", command.CommandId, "command_id",
                "this command id was already used for a different command");
        var result = CommandResult.Parser.ParseFrom(receipt.Result);
        result.Replayed = true;
        return result;
    }
}
