using JasperFx.Events.Projections;
using Marten;

namespace EvidenceHub.Hub.HashCheck;

public static class HashCheckSetup
{
    public static WebApplicationBuilder AddHashCheck(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProviderHashes>();
        builder.Services.ConfigureMarten(options =>
        {
            options.Projections.Add(new FilterableHashProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<FilterableHash>().Index(h => h.Key);
        });
        return builder;
    }
}
