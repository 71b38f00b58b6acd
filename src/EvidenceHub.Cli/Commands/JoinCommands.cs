using System.CommandLine;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub cases join invite|accept|decline|withdraw|leave CASE …`: joint cases, where another unit co-leads a case with
/// its owner without taking it over.
public static class JoinCommands
{
    public static Command Build(CliApp app)
    {
        var join = new Command("join", "Joint cases: invite a co-lead, answer an invitation, leave a case or remove a co-lead");
        join.Add(Invite(app));
        join.Add(Answer(app, accept: true));
        join.Add(Answer(app, accept: false));
        join.Add(Withdraw(app));
        join.Add(Leave(app));
        return join;
    }

    private static Command Invite(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var unit = new Option<string>("--unit") { Description = "The unit asked to co-lead the case", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (told to that unit)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("invite", "Ask another unit to co-lead your case (it reads it as you do and adds to it; you keep the lead)")
            { caseArgument, unit, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new InviteCoLeadRequest { CoLeadUnit = run.Get(unit)!, Reason = run.Get(reason)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.InviteCoLeadAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Invited {request.CoLeadUnit} to co-lead case {result.CaseId}; they answer with " +
                                $"`evidencehub cases join accept {result.CaseId}`.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Answer(CliApp app, bool accept)
    {
        var caseArgument = new Argument<string>("case") { Description = "The case id (from the invitation in your feed)" };
        var reason = new Option<string>("--reason") { Description = "Why you decline (told to the owner)", Required = !accept };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = accept
            ? new Command("accept", "Accept an invitation to co-lead a case") { caseArgument, expected, commandId }
            : new Command("decline", "Decline an invitation to co-lead a case") { caseArgument, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new AnswerCoLeadInvitationRequest
            {
                Answer = accept ? CoLeadAnswer.Accept : CoLeadAnswer.Decline, Reason = accept ? "" : run.Get(reason)!,
            };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.AnswerCoLeadInvitationAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, accept
                ? $"{hub.Unit} now co-leads case {result.CaseId} (version {result.Version})."
                : $"Declined to co-lead case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// The owner takes back an invitation not yet answered: the hub's LeaveCase naming the invited unit.
    private static Command Withdraw(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var unit = new Option<string>("--unit") { Description = "The invited unit", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (told to that unit)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("withdraw", "Withdraw your invitation to co-lead before the invited unit has answered")
            { caseArgument, unit, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new LeaveCaseRequest { CoLeadUnit = run.Get(unit)!, Reason = run.Get(reason)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.LeaveCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, $"Ended {request.CoLeadUnit}'s part in case {result.CaseId} (version {result.Version}): " +
                                "its pending invitation is withdrawn (or, had it joined meanwhile, it is removed as co-lead).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Leave(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var unit = new Option<string?>("--unit") { Description = "The owner only: the co-lead to remove (default: your own unit leaves)" };
        var reason = new Option<string>("--reason") { Description = "Why (told to the owner, or to the removed co-lead)", Required = true };
        var (expected, commandId) = (Common.ExpectedVersion(), Common.CommandIdOption());
        var command = new Command("leave", "Leave a case you co-lead (you see it no more), or as its owner remove a co-lead")
            { caseArgument, unit, reason, expected, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new LeaveCaseRequest { CoLeadUnit = run.Get(unit) ?? "", Reason = run.Get(reason)! };
            (request.CaseId, request.CaseReference) = Common.Case(run.Get(caseArgument));
            if (run.Get(expected) is { } version) request.ExpectedVersion = version;
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.LeaveCaseAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            Report(run, result, request.CoLeadUnit.Length > 0 && request.CoLeadUnit != hub.Unit
                ? $"Removed {request.CoLeadUnit} as co-lead of case {result.CaseId} (version {result.Version})."
                : $"{hub.Unit} left case {result.CaseId} (version {result.Version}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Report(Invocation run, CommandResult result, string sentence)
    {
        if (run.Output.Json) { run.Output.Message(result); return; }
        run.Output.Line(sentence + (result.Replayed ? " (replayed: this command id was already applied; nothing changed)" : ""));
    }
}
