using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using Grpc.Core;
using Npgsql;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Cases;

/// The stored case file (Marten's inline snapshot): bulk ingest relies on adding an identifier not rewriting it.
[Collection(HubCollection.Name)]
public sealed class CaseFileSnapshotTests(HubFixture hub)
{
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");

    [Fact]
    public async Task Adding_identifiers_leaves_the_stored_case_file_alone_and_linking_a_victim_rewrites_it()
    {
        var caseId = await nl.OpenedCase();
        var opened = await StoredFile(caseId);

        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.PhoneNumber, "06-12345678"));
        // The Sync burst too (two commands, one transaction).
        using (var sync = nl.Sync())
        {
            await sync.RequestStream.WriteAsync(new SyncCommand { AddSuspectIdentifier = AddIdentifier(caseId, IdentifierKind.EmailAddress, "a@example.nl") });
            await sync.RequestStream.WriteAsync(new SyncCommand { AddSuspectIdentifier = AddIdentifier(caseId, IdentifierKind.EmailAddress, "b@example.nl") });
            await sync.RequestStream.CompleteAsync();
            var results = new List<SyncResult>();
            await foreach (var result in sync.ResponseStream.ReadAllAsync()) results.Add(result);
            Assert.Equal(2, results.Count);
            Assert.All(results, r => Assert.Equal(SyncResult.OutcomeOneofCase.Result, r.OutcomeCase));
        }
        Assert.Equal(opened, await StoredFile(caseId));

        await nl.LinkVictimAsync(new LinkVictimRequest
        {
            CommandId = NewId(), CaseId = caseId, VictimReference = "V-1", AgeBand = AgeBand._13To15, Country = "nl",
        });
        var linked = await StoredFile(caseId);
        Assert.NotEqual(opened.Version, linked.Version);
        // The stored file holds the link sealed, never its reference in plaintext; GetCase opens it for the owner.
        Assert.Contains("Ciphertext", linked.Data);
        Assert.DoesNotContain("V-1", linked.Data);

        var file = await nl.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "test" } });
        Assert.Equal(3, file.Identifiers.Count);
        Assert.Equal(5, file.Version);
        Assert.Equal("V-1", Assert.Single(file.VictimLinks).VictimReference);
    }

    private async Task<(long Version, DateTime LastModified, string Data)> StoredFile(string caseId)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT mt_version, mt_last_modified, data::text FROM evidencehub.mt_doc_casefile WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(caseId));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no stored case file");
        return (reader.GetInt64(0), reader.GetDateTime(1), reader.GetString(2));
    }
}
