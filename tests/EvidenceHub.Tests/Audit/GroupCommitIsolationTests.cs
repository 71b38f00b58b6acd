using EvidenceHub.Hub.Audit;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceHub.Tests.Audit;

/// Finding 5, the second half: one record the database refuses must not fail the others committed with it. The
/// refusal is made real with a trigger that rejects one unit's index rows (as PostgreSQL rejected a NUL in jsonb).
[Collection(AuditHub.Name)]
public sealed class GroupCommitIsolationTests(HubFixture hub)
{
    [Fact]
    public async Task A_record_the_database_refuses_fails_only_its_own_call()
    {
        var poison = $"POISON-{Guid.NewGuid():N}"[..20];
        await Sql.Execute(hub.Database.ConnectionString, $"""
            CREATE FUNCTION evidencehub.refuse_{poison.Replace('-', '_')}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.unit = '{poison}' THEN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '22000'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_{poison.Replace('-', '_')} BEFORE INSERT ON evidencehub.audit_access_index
            FOR EACH ROW EXECUTE FUNCTION evidencehub.refuse_{poison.Replace('-', '_')}();
            """);
        try
        {
            var accessLog = hub.Factory.Services.GetRequiredService<AccessLog>();
            var run = Guid.NewGuid().ToString("N")[..12];
            // Queued together, so that the writer commits many of them in one group with the refused one.
            var calls = Enumerable.Range(0, 300).Select(i =>
            {
                var unit = i == 150 ? poison : "BE-FCCU";
                var entry = new AccessEntry(new Caller(unit, "BE", [Roles.Unit], "analyst", $"CN={unit}"), "Lookup",
                    EvidenceHub.Hub.Audit.AccessOutcome.Allowed, "group commit test", "asked", null, null, $"{run}-{i}");
                return (Poisoned: i == 150, Call: accessLog.Record(entry, CancellationToken.None));
            }).ToList();

            foreach (var (poisoned, call) in calls)
                if (poisoned) await Assert.ThrowsAnyAsync<Exception>(() => call);
                else await call;

            await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM evidencehub.mt_events WHERE type = 'access_recorded' AND correlation_id LIKE @run", connection);
            count.Parameters.AddWithValue("run", run + "-%");
            Assert.Equal(299L, (long)(await count.ExecuteScalarAsync())!);
        }
        finally
        {
            await Sql.Execute(hub.Database.ConnectionString,
                $"DROP TRIGGER refuse_{poison.Replace('-', '_')} ON evidencehub.audit_access_index; DROP FUNCTION evidencehub.refuse_{poison.Replace('-', '_')}()");
        }
    }
}
