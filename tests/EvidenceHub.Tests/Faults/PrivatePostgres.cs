using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EvidenceHub.Tests.Faults;

/// A PostgreSQL server of the test's own (own port, own data directory), which the test may stop and start: never
/// the shared server the other tests use. As root it runs as the `postgres` OS user, as PostgreSQL requires.
public sealed class PrivatePostgres : IAsyncDisposable
{
    public int Port { get; } = FreePort();
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"evidencehub-fault-pg-{Guid.NewGuid():N}");
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=30";

    private static readonly bool AsRoot = Environment.UserName == "root";

    public static async Task<PrivatePostgres> Start()
    {
        var server = new PrivatePostgres();
        Directory.CreateDirectory(server.DataDirectory);
        if (AsRoot) await Run("chown", "postgres:postgres", server.DataDirectory);
        await server.Pg("initdb", "-D", server.DataDirectory, "--auth-local=trust", "--auth-host=trust", "-U", "postgres", "--no-sync");
        await server.StartAgain();
        return server;
    }

    public Task StartAgain() =>
        Pg("pg_ctl", "-D", DataDirectory, "-o", $"-p {Port} -k {DataDirectory} -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "-l", Path.Combine(DataDirectory, "log.txt"), "start");

    /// As a crash would: no shutdown checkpoint, every connection cut.
    public Task StopImmediately() => Pg("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        try { await Pg("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop"); } catch (InvalidOperationException) { }
        Directory.Delete(DataDirectory, recursive: true);
    }

    private Task Pg(string tool, params string[] arguments) =>
        AsRoot ? Run("runuser", ["-u", "postgres", "--", Binary(tool), .. arguments]) : Run(Binary(tool), arguments);

    private static string Binary(string tool) =>
        Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", tool)).FirstOrDefault(File.Exists) ?? tool;

    private static async Task Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
