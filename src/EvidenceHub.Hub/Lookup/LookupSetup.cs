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
        builder.Services.AddSingleton(sp => new HitQuery(tokens, sp.GetRequiredService<IOptions<CorrelationOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Erasure.IdentifierPseudonym>(), sp.GetRequiredService<Media.MediaHashes>()));
        builder.Services.AddSingleton(sp => new SuspectNetworks(sp.GetRequiredService<IOptions<CorrelationOptions>>().Value,
            sp.GetRequiredService<IOptions<Limits.HubLimits>>().Value.Answers, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService<BlindTokenBackfill>();
        builder.Services.ConfigureMarten(options =>
        {
            // Asynchronous: tokens under every active key cost as much as the rest of an append; made by the daemon
            // in batches, they are ready for blind lookups within a second of the append.
            options.Projections.Add(new BlindTokenProjection(tokens), ProjectionLifecycle.Async);
            options.Schema.For<BlindToken>();
            options.Schema.For<BlindTokenBackfill.Done>();
        });
        return builder;
    }
}
