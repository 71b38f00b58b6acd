using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Telemetry;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;

namespace EvidenceHub.Hub.Store;

/// The Marten event store on PostgreSQL: one stream per case, an inline CaseFile snapshot per stream, and every
/// event stamped with who appended it (unit/user), the call's correlation id and the command id that caused it.
/// Capabilities add their own documents and projections with services.ConfigureMarten(...).
public static class EventStore
{
    public const string Schema = "evidencehub";

    public static WebApplicationBuilder AddEventStore(this WebApplicationBuilder builder)
    {
        var connectionString = HubConnectionString.From(builder.Configuration);

        builder.Services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = Schema;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

                options.Events.StreamIdentity = StreamIdentity.AsGuid;
                options.Events.MetadataConfig.EnableAll();
                options.Events.MetadataConfig.UserNameEnabled = true;
                options.Projections.Add<CaseFileProjection>(ProjectionLifecycle.Inline);
                // Asynchronous projections (the feed) wake on PostgreSQL NOTIFY when events are appended instead of
                // waiting for the next poll (1 s when idle), which keeps feed delivery well under a second. Access
                // records are appended outside Marten's sessions (see AccessLog), so lookups do not wake it.
                options.Events.UseListenNotifyForEventAppends = true;
                options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);

                options.Schema.For<CommandReceipt>();
                options.Schema.For<CaseReferenceClaim>();
                options.AddSubjectKeys();
                HubTelemetry.TrackMarten(options);
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Asynchronous projections (the feed, the audit log) run on one hub instance at a time: the others stand by.
            .AddAsyncDaemon(DaemonMode.HotCold);
        return builder;
    }
}
