using System.Runtime.InteropServices;

namespace EvidenceHub.Cli;

public static class Program
{
    /// Ctrl+C (or SIGTERM) cancels the running command, which then ends cleanly: an import reports that a re-run is
    /// safe, a followed feed keeps its position. A second Ctrl+C ends the process at once.
    public static async Task<int> Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        PosixSignalRegistration Cancel(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
        {
            if (interrupt.IsCancellationRequested) return;
            context.Cancel = true;
            interrupt.Cancel();
        });
        using var sigint = Cancel(PosixSignal.SIGINT);
        using var sigterm = Cancel(PosixSignal.SIGTERM);
        return await CliApp.RunAsync(args, Terminal.System(), interrupt.Token);
    }
}
