using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EvidenceHub.Benchmarks.Harness;

/// What the hub did while a measurement ran, read from inside the process: PostgreSQL round trips (Npgsql's activities,
/// one per command or batch, the hub's background work included) and access-log group commits (the hub's own
/// metric). These say what limited a figure; the clock says only how much.
public static class HubSignals
{
    public readonly record struct Snapshot(long RoundTrips, long AccessCommits, long AccessRecords)
    {
        public static Snapshot operator -(Snapshot after, Snapshot before) =>
            new(after.RoundTrips - before.RoundTrips, after.AccessCommits - before.AccessCommits, after.AccessRecords - before.AccessRecords);

        /// E.g. "3.1 round trips and 0.9 access-log commits per lookup (1.1 records per commit)".
        public string Per(long calls, string call) =>
            $"{(double)RoundTrips / calls:F1} PostgreSQL round trips per {call}" +
            (AccessCommits == 0 ? "" : $", {(double)AccessCommits / calls:F2} access-log commits per {call} ({(double)AccessRecords / AccessCommits:F1} records each)");
    }

    private static long roundTrips, accessCommits, accessRecords;
    private static ActivityListener? npgsql;
    private static MeterListener? meters;

    public static void Listen()
    {
        npgsql = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = _ => Interlocked.Increment(ref roundTrips),
        };
        ActivitySource.AddActivityListener(npgsql);

        meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "evidencehub.audit.access.batch") listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<int>((_, records, _, _) =>
        {
            Interlocked.Increment(ref accessCommits);
            Interlocked.Add(ref accessRecords, records);
        });
        meters.Start();
    }

    public static Snapshot Now() => new(Interlocked.Read(ref roundTrips), Interlocked.Read(ref accessCommits), Interlocked.Read(ref accessRecords));
}
