using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace EvidenceHub.Hub.Errors;

/// The hub's console log: one line per entry, with control characters in the message escaped, so that a caller's
/// value (a path, a header, a field) with a newline in it cannot forge a log line. An exception follows on its own
/// lines, each indented, so none of them can pass for an entry either.
public sealed class EscapingConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "evidencehub";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, null);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {Level(logEntry.LogLevel)} {logEntry.Category}[{logEntry.EventId.Id}] {LogText.Escape(message)}");
        textWriter.Write('\n');
        if (logEntry.Exception is { } exception)
            foreach (var line in exception.ToString().Split('\n'))
                textWriter.Write($"    {LogText.Escape(line.TrimEnd('\r'))}\n");
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
