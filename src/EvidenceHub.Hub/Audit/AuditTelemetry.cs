using System.Diagnostics.Metrics;
using EvidenceHub.Hub.Telemetry;

namespace EvidenceHub.Hub.Audit;

/// The audit capability's metrics, on the hub's meter.
public static class AuditTelemetry
{
    private static readonly Meter Meter = new(HubTelemetry.Name);

    public static readonly Counter<long> EntriesLogged = Meter.CreateCounter<long>("evidencehub.audit.log.entries", description: "Entries appended to the tamper-evident log");
    public static readonly Histogram<double> AppendDuration = Meter.CreateHistogram<double>("evidencehub.audit.log.append", "ms", "Time to hash, store and sign one round of log entries");
    public static readonly Counter<long> AccessRecords = Meter.CreateCounter<long>("evidencehub.audit.access.records", description: "Access records written, by outcome");
    public static readonly Histogram<int> AccessBatch = Meter.CreateHistogram<int>("evidencehub.audit.access.batch", description: "Access records per group commit");
}
