using JasperFx.Events.Projections;
using Marten;

namespace EvidenceHub.Hub.Feed;

public static class FeedSetup
{
    public static WebApplicationBuilder AddFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FeedSignals>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedSignals>());
        builder.Services.ConfigureMarten(options =>
        {
            options.Projections.Add<FeedProjection>(ProjectionLifecycle.Async);
            options.Schema.For<FeedEntry>().Index(e => new { e.Unit, e.Position });
            options.Schema.For<FeedCounter>();
        });
        return builder;
    }
}
