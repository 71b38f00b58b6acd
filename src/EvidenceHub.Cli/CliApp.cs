using System.CommandLine;
using EvidenceHub.Cli.Commands;
using EvidenceHub.Cli.Hub;
using Grpc.Core;

namespace EvidenceHub.Cli;

/// The `evidencehub` command tree. Global options say how to reach the hub and as whom; each command group lives in
/// Commands/. RunAsync is the whole program, with the terminal injected, so that tests run it in process.
public sealed class CliApp
{
    public Option<string?> Hub { get; } = new("--hub") { Description = "The hub's address [env EVIDENCEHUB_URL; default https://127.0.0.1:5443]", Recursive = true };
    public Option<string?> Unit { get; } = new("--unit", "-u") { Description = "Act as this unit, with <certs>/<unit>.crt and .key [env EVIDENCEHUB_UNIT]", Recursive = true };
    public Option<string?> Certificates { get; } = new("--certs") { Description = "Directory of ca.crt and <unit>.crt/.key, as ops/dev-certs.sh makes it [env EVIDENCEHUB_CERTS]", Recursive = true };
    public Option<string?> Certificate { get; } = new("--cert") { Description = "The unit's client certificate: PEM (.crt with --key) or PKCS#12 (.pfx) [env EVIDENCEHUB_CERT]", Recursive = true };
    public Option<string?> Key { get; } = new("--key") { Description = "The PEM private key of --cert [env EVIDENCEHUB_KEY]", Recursive = true };
    public Option<string?> Authority { get; } = new("--ca") { Description = "The hub's CA certificate (PEM); default <certs>/ca.crt [env EVIDENCEHUB_CA]", Recursive = true };
    public Option<string?> User { get; } = new("--user") { Description = "The person at the unit, stored with every event and access record [env EVIDENCEHUB_USER]", Recursive = true };
    public Option<string?> CorrelationId { get; } = new("--correlation-id") { Description = "Your own ticket id, stored with the call [env EVIDENCEHUB_CORRELATION_ID]", Recursive = true };
    public Option<string?> Config { get; } = new("--config") { Description = "A JSON config file {hub, unit, certs, cert, key, ca, user} [env EVIDENCEHUB_CONFIG; default ~/.config/evidencehub/config.json]", Recursive = true };
    public Option<double?> Timeout { get; } = new("--timeout") { Description = "Give up a call after this many seconds [env EVIDENCEHUB_TIMEOUT]", Recursive = true };
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON (one object per line) instead of tables", Recursive = true };

    public Terminal Terminal { get; }

    private CliApp(Terminal terminal) => Terminal = terminal;

    public static async Task<int> RunAsync(string[] args, Terminal terminal, CancellationToken cancellation = default)
    {
        var app = new CliApp(terminal);
        var root = app.Build();
        // '@' starts handles ("@snap_user"), not response files.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) terminal.Error.WriteLine($"evidencehub: {error.Message}");
            terminal.Error.WriteLine($"Try '{string.Join(' ', ["evidencehub", .. CommandPath(parse)])} --help'.");
            return ExitCodes.Usage;
        }
        // Signals are handled by Program (and tests cancel through the token), not by System.CommandLine.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = terminal.Out, Error = terminal.Error, ProcessTerminationTimeout = null }, cancellation);
    }

    private RootCommand Build()
    {
        var root = new RootCommand(
            "evidencehub: the command-line client of the EvidenceHub gRPC hub (cases, bulk import, hit/no-hit lookups, the unit feed, " +
            "suspect networks and the audit trail).\n\n" + ExitCodes.Help)
        {
            Hub, Unit, Certificates, Certificate, Key, Authority, User, CorrelationId, Config, Timeout, Json,
        };
        root.Add(CaseCommands.Build(this));
        root.Add(ImportCommand.Build(this));
        root.Add(MediaCommand.Build(this));
        root.Add(HashesCommand.Build(this));
        root.Add(TakedownCommand.Build(this));
        root.Add(LookupCommand.Build(this));
        root.Add(FeedCommand.Build(this));
        root.Add(NetworkCommand.Build(this));
        root.Add(AuditCommands.Build(this));
        root.Add(DemoCommand.Build(this));
        return root;
    }

    /// Gives a command its action: resolves nothing until it runs, and turns every failure into a message and an exit code.
    public void Handle(Command command, Func<Invocation, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellation) =>
        {
            var invocation = new Invocation(this, parse);
            try
            {
                return await action(invocation, cancellation);
            }
            catch (UsageException e)
            {
                Terminal.Error.WriteLine($"evidencehub: {e.Message}");
                return ExitCodes.Usage;
            }
            // Interrupted by the user (Ctrl+C): whatever the aborted call then reports (CANCELLED, or an aborted
            // stream read as UNAVAILABLE), the interruption is the cause, not a hub out of reach.
            catch (RpcException) when (cancellation.IsCancellationRequested)
            {
                return Interrupted(invocation);
            }
            catch (RpcException e)
            {
                Terminal.Error.WriteLine($"evidencehub: {HubErrors.Describe(e, invocation.HubAddress)}");
                if (HubErrors.ExitCode(e.StatusCode) == ExitCodes.Unreachable && invocation.CommandId is { } id)
                    Terminal.Error.WriteLine($"evidencehub: the hub may or may not have applied it: retry with --command-id {id} to apply it exactly once");
                return HubErrors.ExitCode(e.StatusCode);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return Interrupted(invocation);
            }
            catch (IOException e)
            {
                Terminal.Error.WriteLine($"evidencehub: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (UnauthorizedAccessException e)
            {
                Terminal.Error.WriteLine($"evidencehub: {e.Message}");
                return ExitCodes.Usage;
            }
            finally
            {
                invocation.Dispose();
            }
        });

    private int Interrupted(Invocation invocation)
    {
        Terminal.Error.WriteLine("evidencehub: interrupted" + (invocation.ResumeHint is { } hint ? $"; {hint}" : ""));
        return ExitCodes.Interrupted;
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
            names.Push(result.Command.Name);
        return names;
    }
}
