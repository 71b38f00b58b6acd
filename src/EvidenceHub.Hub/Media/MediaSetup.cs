using JasperFx.Events.Projections;
using Marten;

namespace EvidenceHub.Hub.Media;

public static class MediaSetup
{
    public static WebApplicationBuilder AddMedia(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<MediaOptions>(builder.Configuration.GetSection("Media"));
        builder.Services.Configure<MediaImportOptions>(builder.Configuration.GetSection(MediaImportOptions.Section));
        builder.Services.AddSingleton<MediaHashes>();
        builder.Services.AddScoped<MediaImport>();
        builder.Services.ConfigureMarten(options =>
        {
            options.Projections.Add(new MediaRecordProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new ImportedMediaProjection(), ProjectionLifecycle.Inline);
            options.AddImportedMedia();
            options.Schema.For<MediaRecord>().Index(r => r.CaseId);
        });
        return builder;
    }
}
