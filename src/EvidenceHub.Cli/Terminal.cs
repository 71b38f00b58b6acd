using Spectre.Console;

namespace EvidenceHub.Cli;

/// Where the client reads its environment and writes its output: the real process, or a test's buffers.
public sealed class Terminal(TextWriter output, TextWriter error, Func<string, string?> environment, bool interactive)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    /// Progress bars and colours only for a person at a terminal, never into a pipe or a file.
    public bool Interactive { get; } = interactive;

    public string? Variable(string name) => environment(name) is { Length: > 0 } value ? value : null;

    public static Terminal System() => new(Console.Out, Console.Error, Environment.GetEnvironmentVariable,
        !Console.IsErrorRedirected && !Console.IsOutputRedirected);

    /// Tables and trees for people. Without a terminal the width comes from COLUMNS, or is wide enough for ids and keys.
    public IAnsiConsole Screen()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = Interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (!Interactive) console.Profile.Width = int.TryParse(Variable("COLUMNS"), out var columns) && columns > 40 ? columns : 160;
        return console;
    }

    /// The progress display goes to stderr, so that stdout stays clean for --json and redirection.
    public IAnsiConsole ProgressScreen() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Yes,
        Out = new AnsiConsoleOutput(Error),
    });

    public static string StateDirectory(Terminal terminal) =>
        terminal.Variable("XDG_STATE_HOME") is { } state ? Path.Combine(state, "evidencehub")
        : Path.Combine(terminal.Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "evidencehub");

    public static string ConfigDirectory(Terminal terminal) =>
        terminal.Variable("XDG_CONFIG_HOME") is { } config ? Path.Combine(config, "evidencehub")
        : Path.Combine(terminal.Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "evidencehub");
}
