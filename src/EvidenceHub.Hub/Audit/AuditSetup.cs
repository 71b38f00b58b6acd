using Marten;
using Npgsql;

namespace EvidenceHub.Hub.Audit;

public static class AuditSetup
{
    /// The access log, the tamper-evident log (its writer runs in the background) and the audit service.
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        var connectionString = Store.HubConnectionString.From(builder.Configuration);
        builder.Services.AddSingleton(_ => new AuditDatabase(NpgsqlDataSource.Create(connectionString)));
        builder.Services.ConfigureMarten(options =>
        {
            options.Events.AddEventType<AccessRecorded>();
            foreach (var table in AuditSchema.Tables()) options.Storage.ExtendedSchemaObjects.Add(table);
        });
        builder.Services.AddSingleton<CheckpointSigner>();
        builder.Services.AddSingleton<LogTrust>();
        builder.Services.AddSingleton<LogWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LogWriter>());
        builder.Services.AddSingleton<LogReader>();
        builder.Services.AddSingleton<LogProofs>();
        builder.Services.AddSingleton<CaseHistory>();
        builder.Services.AddSingleton<AccessLogQuery>();
        // One case read for GetCase, GetCaseAsOf and ReplayCase; scoped like the query session it reads with.
        builder.Services.AddScoped<Cases.CaseReader>();
        builder.Services.AddSingleton<AccessLog>();
        builder.Services.AddSingleton<AccessRecordingInterceptor>();
        builder.Services.Configure<RefusalOptions>(builder.Configuration.GetSection("Audit:Refusals"));
        builder.Services.AddSingleton<RefusedCalls>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RefusedCalls>());
        return builder;
    }
}
