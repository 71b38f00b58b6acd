namespace EvidenceHub.Hub.Media;

public static class MediaSetup
{
    public static WebApplicationBuilder AddMedia(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<MediaOptions>(builder.Configuration.GetSection("Media"));
        builder.Services.AddSingleton<MediaHashes>();
        return builder;
    }
}
