using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceHub.Tests.Audit;

/// AccessLog appends its events without a Marten session: Marten must read them back as its own.
[Collection(AuditHub.Name)]
public sealed class AccessLogStorageTests(HubFixture hub)
{
    [Fact]
    public async Task An_access_record_is_stored_as_a_marten_event_with_its_metadata()
    {
        var caller = new Caller("BE-FCCU", "BE", [Roles.Unit], "storage", "CN=BE-FCCU");
        var key = $"email:{Guid.NewGuid():N}@example.org";
        await hub.Factory.Services.GetRequiredService<AccessLog>().Record(
            [
                new AccessEntry(caller, "Lookup", AccessOutcome.Allowed, "storage test", key, null, null, "storage-1") { IdentifierKeys = [key] },
                new AccessEntry(caller, "Lookup", AccessOutcome.Refused, null, "second", null, Guid.NewGuid(), "storage-2"),
            ], CancellationToken.None);

        Guid streamId;
        await using (var connection = new NpgsqlConnection(hub.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var find = new NpgsqlCommand("SELECT stream_id FROM evidencehub.audit_access_index WHERE @key = ANY(identifier_keys)", connection);
            find.Parameters.AddWithValue("key", key);
            streamId = (Guid)(await find.ExecuteScalarAsync())!;
        }

        await using var session = hub.Factory.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId);
        Assert.Equal([1L, 2L], events.Select(e => e.Version));
        Assert.True(events[1].Sequence > events[0].Sequence);
        var first = Assert.IsType<AccessRecorded>(events[0].Data);
        Assert.Equal((key, "BE-FCCU", "storage"), (first.Asked, first.Unit, first.User));
        Assert.Equal([key], first.IdentifierKeys);
        Assert.Equal(AccessOutcome.Refused, Assert.IsType<AccessRecorded>(events[1].Data).Outcome);
        Assert.Equal((caller.Actor, "storage-1"), (events[0].UserName, events[0].CorrelationId));
        Assert.Equal("BE-FCCU", events[0].GetHeader("unit")?.ToString());
        Assert.Equal("storage", events[0].GetHeader("user")?.ToString());
        Assert.Equal(2, (await session.Events.FetchStreamStateAsync(streamId))!.Version);
    }
}
