using System.CommandLine;
using EvidenceHub.Cli.Rendering;
using EvidenceHub.Contracts.V1;
using Spectre.Console;

namespace EvidenceHub.Cli.Commands;

/// `evidencehub takedown …`: takedown requests to hosting parties. A unit files one for media of its case and reads
/// its history (auditors read every request); a hosting party (role provider) lists the requests addressed to it and
/// answers them. A provider's new requests also arrive on `evidencehub feed`.
public static class TakedownCommand
{
    public static Command Build(CliApp app)
    {
        var takedown = new Command("takedown", "Takedown requests to hosting parties: file, withdraw, list, show (units, auditors); notices, notice, ack, removed, refuse (providers)");
        takedown.Add(File(app));
        takedown.Add(Withdraw(app));
        takedown.Add(List(app));
        takedown.Add(Show(app));
        takedown.Add(Notices(app));
        takedown.Add(NoticeCommand(app));
        takedown.Add(Answer(app, "ack", "Acknowledge a request addressed to you: you are handling it (it stays open, and is sent again, until removed or refused)"));
        takedown.Add(Answer(app, "removed", "Report that the material of a request addressed to you is removed (final)"));
        takedown.Add(Answer(app, "refuse", "Refuse a request addressed to you, with --reason (final); the requesting unit is told why"));
        return takedown;
    }

    private static Command File(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var media = new Argument<string[]>("media") { Description = "Media records of the case, each by a SHA-256, SHA-1 or MD5 it was added with", Arity = ArgumentArity.OneOrMore };
        var provider = new Option<string>("--provider") { Description = "The hosting party's unit id (a unit with role provider)", Required = true };
        var urls = new Option<string[]>("--url") { Description = "Where the material is at the provider (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var note = new Option<string?>("--note") { Description = "A note for the provider (it never learns your case or reference)" };
        var commandId = Common.CommandIdOption();
        var command = new Command("file", "Ask a hosting party to remove media of your case (owner or co-lead)") { caseArgument, media, provider, urls, note, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var (caseId, reference) = Common.Case(run.Get(caseArgument));
            var request = new FileTakedownRequestRequest
            {
                CaseId = caseId, CaseReference = reference, Provider = run.Get(provider)!, Media = { run.Get(media)! }, Locations = { run.Get(urls) ?? [] },
                Note = run.Get(note) ?? "",
            };
            using var hub = run.Connect();
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.FileTakedownRequestAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            if (run.Output.Json)
            {
                run.Output.Message(result);
                return ExitCodes.Ok;
            }
            if (result.RequestId.Length > 0)
                run.Output.Line($"Filed takedown request {result.RequestId} to {request.Provider} for case {result.CaseId}" + (result.Replayed ? " (replayed: filed before)." : "."));
            foreach (var open in result.AlreadyOpen)
                run.Output.Line($"{open.Media}: {request.Provider} already has an open takedown request for this material (since {Output.Time(open.OpenSince)}); not sent again.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Withdraw(CliApp app)
    {
        var caseArgument = Common.CaseArgument();
        var id = new Argument<string>("request") { Description = "The takedown request's id (as `takedown file` printed it)" };
        var reason = new Option<string>("--reason") { Description = "Why (required), told to the provider: write it for a hosting party", Required = true };
        var commandId = Common.CommandIdOption();
        var command = new Command("withdraw", "Withdraw an open takedown request you filed: the provider is told and notified no more") { caseArgument, id, reason, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            var (caseId, reference) = Common.Case(run.Get(caseArgument));
            var request = new WithdrawTakedownRequestRequest { CaseId = caseId, CaseReference = reference, RequestId = run.Get(id)!, Reason = run.Get(reason)! };
            using var hub = run.Connect();
            request.CommandId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var result = await hub.Cases.WithdrawTakedownRequestAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            if (run.Output.Json) run.Output.Message(result);
            else run.Output.Line($"Withdrew takedown request {request.RequestId}; the provider is told" + (result.Replayed ? " (replayed: withdrawn before)." : "."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliApp app)
    {
        var why = Common.Why();
        var caseOption = new Option<string?>("--case") { Description = "Only the requests of this case (id, or your own reference)" };
        var open = new Option<bool>("--open") { Description = "Only requests not yet removed or refused" };
        var command = new Command("list", "Takedown requests you filed or of cases you lead (auditors: all), newest first") { why, caseOption, open };
        app.Handle(command, async (run, cancellation) =>
        {
            var request = new ListTakedownRequestsRequest { Justification = Common.Justification(run.Get(why)!), OpenOnly = run.Get(open) };
            if (run.Get(caseOption) is { } caseText) (request.CaseId, request.CaseReference) = Common.Case(caseText);
            using var hub = run.Connect();
            var table = Output.Table("request", "case", "provider", "status", "filed", "notices", "next notice");
            var count = 0;
            do
            {
                var page = await hub.Takedowns.ListTakedownRequestsAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                foreach (var r in page.Requests)
                {
                    count++;
                    if (run.Output.Json) run.Output.Message(r);
                    else table.AddRow(Output.Cell(r.RequestId), Output.Cell(r.CaseId), Output.Cell(r.Provider), Output.Cell(Word(r.Status)), Output.Cell(Output.Time(r.FiledAt)),
                        Output.Cell(r.Notifications.ToString()), Output.Cell(Output.Time(r.NextNotificationAt)));
                }
                request.PageToken = page.NextPageToken;
            } while (request.PageToken.Length > 0);
            if (!run.Output.Json)
            {
                if (count > 0) run.Output.Render(table);
                run.Output.Line($"{count} takedown request(s).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliApp app)
    {
        var id = new Argument<string>("request") { Description = "The takedown request's id" };
        var why = Common.Why();
        var command = new Command("show", "A takedown request with its whole history (who, when, what was answered)") { id, why };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var r = await hub.Takedowns.GetTakedownRequestAsync(new GetTakedownRequestRequest { RequestId = run.Get(id)!, Justification = Common.Justification(run.Get(why)!) },
                deadline: hub.Deadline, cancellationToken: cancellation);
            if (run.Output.Json)
            {
                run.Output.Message(r);
                return ExitCodes.Ok;
            }
            run.Output.Fields([
                ("request", r.RequestId), ("case", r.CaseId), ("requested by", r.RequestingUnit), ("provider", r.Provider), ("status", Word(r.Status)),
                ("filed", Output.Time(r.FiledAt)), ("notices sent", r.Notifications.ToString()), ("next notice", Output.Time(r.NextNotificationAt)),
                ("locations", string.Join(" ", r.Locations)), ("note", r.Note),
            ]);
            run.Output.Render(MaterialTable(r.Material));
            var history = Output.Table("step", "time (UTC)", "unit / user", "words");
            foreach (var step in r.History)
                history.AddRow(Output.Cell(step.Kind.ToString().ToLowerInvariant()), Output.Cell(Output.Time(step.At)), Output.Cell($"{step.Unit} / {step.User}"), Output.Cell(step.Text));
            run.Output.Render(history);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Notices(CliApp app)
    {
        var open = new Option<bool>("--open") { Description = "Only requests not yet removed or refused" };
        var command = new Command("notices", "Providers: the takedown requests addressed to you, newest first") { open };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var request = new ListNoticesRequest { OpenOnly = run.Get(open) };
            var table = Output.Table("request", "status", "filed", "notices", "requested by", "hashes", "locations");
            var count = 0;
            do
            {
                var page = await hub.Takedowns.ListNoticesAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
                foreach (var n in page.Notices)
                {
                    count++;
                    if (run.Output.Json) run.Output.Message(n);
                    else table.AddRow(Output.Cell(n.RequestId), Output.Cell(Word(n.Status)), Output.Cell(Output.Time(n.FiledAt)), Output.Cell(n.Notification.ToString()),
                        Output.Cell($"{n.RequestingUnit} ({n.RequestingCountry})"), Output.Cell(n.Material.Count.ToString()), Output.Cell(string.Join(" ", n.Locations)));
                }
                request.PageToken = page.NextPageToken;
            } while (request.PageToken.Length > 0);
            if (!run.Output.Json)
            {
                if (count > 0) run.Output.Render(table);
                run.Output.Line($"{count} takedown request(s) addressed to {hub.Unit}.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command NoticeCommand(CliApp app)
    {
        var id = new Argument<string>("request") { Description = "The takedown request's id" };
        var command = new Command("notice", "Providers: one takedown request addressed to you, with its hashes") { id };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var n = await hub.Takedowns.GetNoticeAsync(new GetNoticeRequest { RequestId = run.Get(id)! }, deadline: hub.Deadline, cancellationToken: cancellation);
            Print(run, n);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Answer(CliApp app, string name, string description)
    {
        var id = new Argument<string>("request") { Description = "The takedown request's id" };
        var note = new Option<string?>(name == "refuse" ? "--reason" : "--note")
        {
            Description = name == "refuse" ? "Why (required), told to the requesting unit" : "A note for the requesting unit", Required = name == "refuse",
        };
        var commandId = Common.CommandIdOption();
        var command = new Command(name, description) { id, note, commandId };
        app.Handle(command, async (run, cancellation) =>
        {
            using var hub = run.Connect();
            var (requestId, text) = (run.Get(id)!, run.Get(note) ?? "");
            // A retry with the same --command-id answers the first answer and changes nothing.
            var answerId = run.CommandId = run.Get(commandId) ?? Ids.NewCommandId();
            var answered = name switch
            {
                "ack" => await hub.Takedowns.AcknowledgeAsync(new AcknowledgeRequest { RequestId = requestId, Note = text, CommandId = answerId },
                    deadline: hub.Deadline, cancellationToken: cancellation),
                "removed" => await hub.Takedowns.ReportRemovedAsync(new ReportRemovedRequest { RequestId = requestId, Note = text, CommandId = answerId },
                    deadline: hub.Deadline, cancellationToken: cancellation),
                _ => await hub.Takedowns.RefuseAsync(new RefuseRequest { RequestId = requestId, Reason = text, CommandId = answerId }, deadline: hub.Deadline, cancellationToken: cancellation),
            };
            if (run.Output.Json) run.Output.Message(answered);
            else run.Output.Line($"Takedown request {answered.RequestId} is now {Word(answered.Status)}; {answered.RequestingUnit} is told" + (answered.Replayed ? " (replayed: answered before)." : "."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(Invocation run, TakedownNotice n)
    {
        if (run.Output.Json)
        {
            run.Output.Message(n);
            return;
        }
        run.Output.Fields([
            ("request", n.RequestId), ("status", Word(n.Status)), ("requested by", $"{n.RequestingUnit} ({n.RequestingCountry})"), ("filed", Output.Time(n.FiledAt)),
            ("notices sent", n.Notification.ToString()), ("locations", string.Join(" ", n.Locations)), ("note", n.Note), ("answered", Output.Time(n.AnsweredAt)), ("answer", n.Answer),
            ("withdrawn because", n.WithdrawalReason),
        ]);
        run.Output.Render(MaterialTable(n.Material));
    }

    private static Table MaterialTable(IEnumerable<TakedownMaterial> material)
    {
        var table = Output.Table("category", "sha256", "sha1", "md5", "pdq");
        foreach (var m in material)
            table.AddRow(Output.Cell(m.Category.ToString()), Output.Cell(m.Sha256), Output.Cell(m.Sha1), Output.Cell(m.Md5), Output.Cell(m.Pdq));
        return table;
    }

    public static string Word(TakedownStatus status) => status switch
    {
        TakedownStatus.Open => "open",
        TakedownStatus.Acknowledged => "acknowledged",
        TakedownStatus.Removed => "removed",
        TakedownStatus.Refused => "refused",
        TakedownStatus.Withdrawn => "withdrawn",
        _ => "unknown",
    };
}
