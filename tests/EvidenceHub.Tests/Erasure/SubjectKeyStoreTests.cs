using EvidenceHub.Testing;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Store;
using EvidenceHub.Tests.Infrastructure;
using JasperFx;
using Marten;
using Npgsql;

namespace EvidenceHub.Tests.Erasure;

/// The key store against real PostgreSQL: keys commit with the session or not at all, load in one query, and once
/// destroyed are gone from the database, so a sealed value read back shows the placeholder.
public sealed class SubjectKeyStoreTests : IAsyncLifetime
{
    private ThrowawayDatabase database = null!;
    private DocumentStore store = null!;

    public async Task InitializeAsync()
    {
        database = await ThrowawayDatabase.ForTests();
        store = DocumentStore.For(options =>
        {
            options.Connection(database.ConnectionString);
            options.DatabaseSchemaName = EventStore.Schema;
            options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            options.AddSubjectKeys();
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        store.Dispose();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task Keys_created_in_a_transaction_load_in_one_query_and_are_gone_once_destroyed()
    {
        var caseId = Guid.NewGuid();
        var ring = new SubjectKeyRing();
        var victim = ring.NewSubject(caseId, SubjectKind.VictimLink);
        var holding = ring.NewSubject(caseId, SubjectKind.IdentifierHolding);
        var sealedVictim = ring.Seal(victim, "victim_reference", "V-0412-01");
        var sealedHolding = ring.Seal(holding, "raw_value", "06-24681357");
        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Create(session, ring.TakeCreated());
            await session.SaveChangesAsync();
        }

        await using (var query = store.QuerySession())
        {
            var loaded = await SubjectKeyStore.Load(query, [victim, holding, Guid.NewGuid()], CancellationToken.None);
            Assert.Equal("V-0412-01", sealedVictim.Open(loaded, "victim_reference"));
            Assert.Equal("06-24681357", sealedHolding.Open(loaded, "raw_value"));
            var batch = query.CreateBatchQuery();
            var fromBatch = SubjectKeyStore.Load(batch, [holding]);
            await batch.Execute();
            Assert.Equal("06-24681357", sealedHolding.Open(await fromBatch(), "raw_value"));
        }

        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Destroy(session, Guid.NewGuid(), [victim]); // another case: touches nothing
            await session.SaveChangesAsync();
        }
        await using (var session = store.LightweightSession())
        {
            Assert.True((await SubjectKeyStore.LoadCase(session, caseId, CancellationToken.None)).Contains(victim));
            SubjectKeyStore.Destroy(session, caseId, [victim]);
            await session.SaveChangesAsync();
        }

        await using (var query = store.QuerySession())
        {
            var loaded = await SubjectKeyStore.LoadCase(query, caseId, CancellationToken.None);
            Assert.Equal(Sealed.ErasedPlaceholder, sealedVictim.Open(loaded, "victim_reference"));
            Assert.Equal("06-24681357", sealedHolding.Open(loaded, "raw_value"));
        }
        Assert.Equal(1L, await Count($"SELECT count(*) FROM {SubjectKeyStore.Table}"));
    }

    [Fact]
    public async Task A_destroyed_key_is_nowhere_in_a_dump_of_the_database()
    {
        var caseId = Guid.NewGuid();
        var ring = new SubjectKeyRing();
        var victim = ring.NewSubject(caseId, SubjectKind.VictimLink);
        var key = Assert.Single(ring.TakeCreated());
        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Create(session, [key]);
            await session.SaveChangesAsync();
        }
        Assert.Contains("bytea", (await DatabaseDump.Of(database.ConnectionString)).Find(key.Key));

        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Destroy(session, caseId, [victim]);
            await session.SaveChangesAsync();
        }
        Assert.Empty((await DatabaseDump.Of(database.ConnectionString)).Find(key.Key));
    }

    [Fact]
    public void The_dump_search_finds_a_value_inside_base64_and_hex()
    {
        var protobufLike = new byte[] { 0x0a, 0x13 }.Concat(System.Text.Encoding.UTF8.GetBytes("phone:+31624681357")).Concat(new byte[] { 0x10, 0x01 }).ToArray();
        var dump = new DatabaseDump($"{{\"Item\": \"{Convert.ToBase64String(protobufLike)}\"}}\n\\x{Convert.ToHexStringLower(protobufLike)}\n");
        Assert.Equal(["base64", "bytea"], dump.Find("phone:+31624681357"));
        Assert.Empty(dump.Find("phone:+31624681358"));
    }

    [Fact]
    public async Task A_failed_transaction_stores_no_key_and_a_subject_is_never_stored_twice()
    {
        var ring = new SubjectKeyRing();
        var subject = ring.NewSubject(Guid.NewGuid(), SubjectKind.VictimLink);
        var key = Assert.Single(ring.TakeCreated());
        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Create(session, [key]);
            session.QueueSqlCommand("SELECT 1/0");
            await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        }
        Assert.Equal(0L, await Count($"SELECT count(*) FROM {SubjectKeyStore.Table}"));

        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Create(session, [key]);
            await session.SaveChangesAsync();
        }
        await using (var session = store.LightweightSession())
        {
            SubjectKeyStore.Create(session, [key with { Key = SubjectCipher.NewKey() }]);
            await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        }
        await using var query = store.QuerySession();
        Assert.Equal(key.Key, (await SubjectKeyStore.Load(query, [subject], CancellationToken.None)).TryGet(subject, out var stored) ? stored : null);
    }

    private async Task<long> Count(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
