using EvidenceHub.Hub.Lifecycle;
using JasperFx.Events.Projections;
using Marten;

namespace EvidenceHub.Hub.Takedown;

public static class TakedownSetup
{
    public static WebApplicationBuilder AddTakedown(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TakedownOptions>().Bind(builder.Configuration.GetSection("Takedown"))
            .Validate(o => o.RenotifyInterval > TimeSpan.Zero, "Takedown:RenotifyInterval must be a positive time span (e.g. 1.00:00:00 for 24 hours)")
            .Validate(o => o.MaxMediaPerRequest > 0 && o.MaxLocationsPerRequest >= 0, "Takedown:MaxMediaPerRequest must be positive and Takedown:MaxLocationsPerRequest not negative")
            .ValidateOnStart();
        builder.Services.AddSingleton<ITimedWork, TakedownRenotification>();
        builder.Services.AddHostedService<ProvidersAmongPartners>();
        builder.Services.ConfigureMarten(options =>
        {
            options.Projections.Add(new TakedownRecordProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<TakedownRecord>().Index(r => r.Provider);
        });
        return builder;
    }
}
