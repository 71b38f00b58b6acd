using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Telemetry;

[Collection(FeedHub.Name)]
public sealed class TelemetryTests(HubFixture hub)
{
    [Fact]
    public async Task Commands_and_lookups_are_traced_and_counted_under_the_hub_source_and_meter()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "EvidenceHub",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var measurements = new ConcurrentBag<(string Instrument, long Value)>();
        using var meters = new MeterListener { InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == "EvidenceHub") l.EnableMeasurementEvents(instrument); } };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => measurements.Add((instrument.Name, value)));
        meters.Start();

        var opened = await hub.Cases("NL-TBKK").OpenCaseAsync(OpenCase());
        await hub.Lookups("US-HSI-C3").LookupAsync(new LookupRequest
        {
            Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.EmailAddress, Value = Unique.Email() } },
            Justification = new Justification { Purpose = "telemetry" },
        });

        Assert.Contains(activities, a => a.OperationName == "case command" && (Guid?)a.GetTagItem("evidencehub.case_id") == Guid.Parse(opened.CaseId)
                                         && (string?)a.GetTagItem("evidencehub.command") == "OpenCaseRequest");
        Assert.Contains(activities, a => a.OperationName == "lookup" && (string?)a.GetTagItem("evidencehub.unit") == "US-HSI-C3");
        Assert.Contains(measurements, m => m.Instrument == "evidencehub.commands");
        Assert.Contains(measurements, m => m.Instrument == "evidencehub.events.appended" && m.Value == 1);
        Assert.Contains(measurements, m => m.Instrument == "evidencehub.lookups");
    }
}
