using System.CommandLine;
using EvidenceHub.Cli.Hub;

namespace EvidenceHub.Cli;

/// One run of one command: its parsed options, its output, and the hub connections it opened (closed at the end).
public sealed class Invocation(CliApp app, ParseResult parse) : IDisposable
{
    private readonly List<HubConnection> connections = [];
    private HubSettings? settings;

    public ParseResult Parse { get; } = parse;
    public Terminal Terminal => app.Terminal;
    public Rendering.Output Output { get; } = new(app.Terminal, parse.GetValue(app.Json));

    /// The command id a single command was sent with, to be named if the call's fate is unknown.
    public string? CommandId { get; set; }
    /// What to tell the person when they interrupt a long run (e.g. that the import resumes safely).
    public string? ResumeHint { get; set; }

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);
    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;

    public Uri HubAddress => settings?.Hub ?? HubSettings.DefaultHub;

    public HubSettings Settings => settings ??= HubSettings.Resolve(new HubSettings.Given(
        Parse.GetValue(app.Hub), Parse.GetValue(app.Unit), Parse.GetValue(app.Certificates), Parse.GetValue(app.Certificate),
        Parse.GetValue(app.Key), Parse.GetValue(app.Authority), Parse.GetValue(app.User), Parse.GetValue(app.CorrelationId),
        Parse.GetValue(app.Config), Parse.GetValue(app.Timeout)), Terminal);

    public HubConnection Connect(HubSettings? unitSettings = null)
    {
        var connection = HubConnection.Open(unitSettings ?? Settings);
        connections.Add(connection);
        return connection;
    }

    public void Dispose()
    {
        foreach (var connection in connections) connection.Dispose();
    }
}
