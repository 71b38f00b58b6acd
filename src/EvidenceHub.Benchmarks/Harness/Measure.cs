using System.Diagnostics;

namespace EvidenceHub.Benchmarks.Harness;

/// Latencies of single calls, in milliseconds. One instance per worker (no locking); merge them afterwards.
public sealed class Latencies(int capacity = 1024)
{
    private readonly List<double> samples = new(capacity);

    public int Count => samples.Count;

    public void Add(long startedTimestamp) => samples.Add(Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds);

    public void AddMilliseconds(double milliseconds) => samples.Add(milliseconds);

    public static Latencies Merge(IEnumerable<Latencies> parts)
    {
        var merged = new Latencies();
        foreach (var part in parts) merged.samples.AddRange(part.samples);
        return merged;
    }

    /// Nearest-rank percentile (p in 0..100); null without samples.
    public double? Percentile(double p)
    {
        if (samples.Count == 0) return null;
        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// What the process's memory did while a measurement ran. The hub runs in this process, so these figures hold the hub
/// and its clients together; the clients of these scenarios keep nothing, so growth is the hub's.
public sealed record MemoryFigures(double StartMb, double PeakMb, double AllocatedMb)
{
    public double GrowthMb => Math.Max(0, PeakMb - StartMb);
}

/// Peak resident memory during a measurement: the kernel's high-water mark (VmHWM), reset at the start through
/// /proc/self/clear_refs, and a sampler beside it where that reset is not allowed.
public sealed class MemoryWatch
{
    private readonly double startMb;
    private readonly long allocatedAtStart;
    private readonly bool highWaterMarkReset;
    private readonly CancellationTokenSource stop = new();
    private readonly Task<double> sampling;

    private MemoryWatch()
    {
        // Start from a compacted heap, so that garbage of the previous step is not charged to this one.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        highWaterMarkReset = TryResetHighWaterMark();
        startMb = StatusKilobytes("VmRSS:") / 1024.0;
        allocatedAtStart = GC.GetTotalAllocatedBytes(precise: false);
        sampling = Task.Run(Sample);
    }

    public static MemoryWatch Start() => new();

    public async Task<MemoryFigures> Stop()
    {
        await stop.CancelAsync();
        var sampledPeak = await sampling;
        var peak = highWaterMarkReset ? Math.Max(sampledPeak, StatusKilobytes("VmHWM:") / 1024.0) : sampledPeak;
        return new MemoryFigures(startMb, peak, (GC.GetTotalAllocatedBytes(precise: false) - allocatedAtStart) / 1024.0 / 1024.0);
    }

    private async Task<double> Sample()
    {
        var peak = startMb;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, StatusKilobytes("VmRSS:") / 1024.0);
            try { await Task.Delay(20, stop.Token); } catch (OperationCanceledException) { }
        }
        return Math.Max(peak, StatusKilobytes("VmRSS:") / 1024.0);
    }

    private static bool TryResetHighWaterMark()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    /// A line of /proc/self/status in kB; the process's working set where there is no /proc.
    private static long StatusKilobytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0]);
        }
        catch (IOException) { }
        using var self = Process.GetCurrentProcess();
        return (field == "VmHWM:" ? self.PeakWorkingSet64 : self.WorkingSet64) / 1024;
    }
}

/// A timed stretch of work: elapsed time and items per second.
public readonly record struct Timed(TimeSpan Elapsed, long Items)
{
    public double PerSecond => Items / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public static async Task<Timed> Of(long items, Func<Task> work)
    {
        var started = Stopwatch.GetTimestamp();
        await work();
        return new Timed(Stopwatch.GetElapsedTime(started), items);
    }
}
