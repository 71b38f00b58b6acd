using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace EvidenceHub.Hub.Lifecycle;

/// A command the hub issues itself, acting on time: by its own caller, under a command id derived from what fell due
/// (so a repeated round, or another instance, appends nothing twice), never by a unit.
public abstract record HubCommand : Command
{
    public override MessageParser ResultParser => CommandResult.Parser;

    /// Only the hub's own caller runs these.
    protected CaseFile ExistingForHub(CaseFile? state)
    {
        if (!Caller.IsHub())
            throw Rejection.PermissionDenied("HUB_ONLY", "Only the hub itself issues this command.");
        return Existing(state);
    }
}

public static class HubCommandRunning
{
    public const string CorrelationId = "timed-work";

    /// Runs a hub command; true when it appended (a repeat answers from its receipt and counts as nothing done). A
    /// command refused because the case moved on meanwhile (answered, reviewed) is logged and left.
    public static async Task<bool> RunForHub(this CommandEngine engine, HubCommand command, ILogger logger, CancellationToken cancellation)
    {
        try
        {
            var result = (CommandResult)await engine.Execute(HubCaller.Instance, command, CorrelationId, cancellation);
            return !result.Replayed;
        }
        catch (Rejection rejection) when (rejection.Status.Code == (int)Google.Rpc.Code.FailedPrecondition)
        {
            logger.LogInformation("Timed work left {Command}: {Reason}", command.CommandId, rejection.Status.Message);
            return false;
        }
    }
}
