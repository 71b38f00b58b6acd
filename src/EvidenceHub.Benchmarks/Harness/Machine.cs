using System.Runtime;
using System.Runtime.InteropServices;

namespace EvidenceHub.Benchmarks.Harness;

/// The machine a run measured, so that figures from different machines are never compared unknowingly.
public static class Machine
{
    public static MachineInfo Describe(string postgreSqlVersion) => new(
        Environment.ProcessorCount,
        CpuModel(),
        Math.Round(MemoryKilobytes() / 1024.0 / 1024.0, 1),
        $"{OsName()} (kernel {Environment.OSVersion.Version})",
        RuntimeInformation.FrameworkDescription,
        GCSettings.IsServerGC ? "server GC" : "workstation GC",
        postgreSqlVersion,
        $"Load average at start: {LoadAverage()}.");

    /// The 1, 5 and 15 minute load averages: other work on the machine shows here.
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString()
            : RuntimeInformation.ProcessArchitecture.ToString();

    private static long MemoryKilobytes()
    {
        if (!File.Exists("/proc/meminfo")) return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024;
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line["MemTotal:".Length..].Trim().Split(' ')[0]);
    }

    private static string OsName()
    {
        if (File.Exists("/etc/os-release"))
        {
            var pretty = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            if (pretty is not null) return pretty["PRETTY_NAME=".Length..].Trim('"');
        }
        return RuntimeInformation.OSDescription;
    }
}
