using EvidenceHub.Hub.Correlation;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Lookup;

public static class LookupSetup
{
    public static WebApplicationBuilder AddLookup(this WebApplicationBuilder builder)
    {
        var tokens = BlindTokens.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(sp => new Hits(tokens, sp.GetRequiredService<IOptions<CorrelationOptions>>().Value));
        builder.Services.AddSingleton(sp => new SuspectNetworks(sp.GetRequiredService<IOptions<CorrelationOptions>>().Value));
        builder.Services.AddHostedService<BlindTokenBackfill>();
        builder.Services.ConfigureMarten(options =>
        {
            options.Projections.Add(new BlindTokenProjection(tokens), ProjectionLifecycle.Inline);
            options.Schema.For<BlindToken>();
            options.Schema.For<BlindTokenBackfill.Done>();
        });
        return builder;
    }
}
