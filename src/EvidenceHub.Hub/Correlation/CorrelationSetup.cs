using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Sharing;
using JasperFx.Events.Projections;
using Marten;

namespace EvidenceHub.Hub.Correlation;

public static class CorrelationSetup
{
    /// The identifier holdings and the identifiers' own streams, both kept inline with the append.
    public static WebApplicationBuilder AddCorrelation(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<CorrelationOptions>(builder.Configuration.GetSection("Correlation"));
        builder.Services.ConfigureMarten(options =>
        {
            options.Projections.Add(new IdentifierHoldingProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<IdentifierHolding>().Index(h => h.Key).Index(h => h.CaseId);
            options.Projections.Snapshot<IdentifierCorrelations>(SnapshotLifecycle.Inline);
            options.Projections.Snapshot<CaseSummary>(SnapshotLifecycle.Inline);
        });
        return builder;
    }
}
