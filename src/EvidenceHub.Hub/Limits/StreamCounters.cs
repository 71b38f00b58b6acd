using System.Collections.Concurrent;

namespace EvidenceHub.Hub.Limits;

/// The streams each unit holds open, per method, on this hub instance.
public sealed class StreamCounters
{
    private readonly ConcurrentDictionary<(string Method, string Unit), int> open = new();

    public bool TryOpen(string method, string unit, int max)
    {
        var key = (method, unit);
        lock (open)
        {
            var count = open.GetValueOrDefault(key);
            if (count >= max) return false;
            open[key] = count + 1;
            return true;
        }
    }

    public void Close(string method, string unit)
    {
        lock (open)
        {
            var key = (method, unit);
            if (open.GetValueOrDefault(key) <= 1) open.TryRemove(key, out _);
            else open[key]--;
        }
    }
}
