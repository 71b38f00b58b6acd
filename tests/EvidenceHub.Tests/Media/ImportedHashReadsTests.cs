using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;
using EvidenceHub.Tests.Lookup;
using Google.Protobuf;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// The readers that follow a case's imported hash-list rows like its identifiers, over real gRPC and PostgreSQL:
/// blind-token lookups (OPRF), the case as of a past moment, and suspect networks.
public sealed class ImportedHashReadsTests(HubFixture hub) : IClassFixture<HubFixture>
{
    private static readonly Justification Why = new() { Purpose = "Hash list from a seized server", CaseReference = "NL-2026-0042" };
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly LookupService.LookupServiceClient partner = hub.Lookups("US-HSI-C3");

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static MediaRow Row() => new() { Sha256 = Hex(32), Md5 = Hex(16), Category = 1 };

    private static async Task<MediaBatchResult> Import(CaseService.CaseServiceClient cases, string caseId, params MediaRow[] rows)
    {
        using var call = cases.ImportMedia();
        await call.RequestStream.WriteAsync(new MediaBatch { BatchId = NewId(), CaseId = caseId, FirstRow = 1, Rows = { rows } });
        await call.RequestStream.CompleteAsync();
        return await call.ResponseStream.ReadAllAsync().SingleAsync();
    }

    private static LookupRequest Raw(string sha256) => new()
    {
        Justification = Why, Identifier = new IdentifierQuery { Raw = new SuspectIdentifierInput { Kind = IdentifierKind.FileHashSha256, Value = sha256 } },
    };

    private static LookupRequest ByToken(string token) => new() { Justification = Why, Identifier = new IdentifierQuery { BlindToken = token } };

    [Fact]
    public async Task A_blind_lookup_of_an_imported_hash_answers_as_the_raw_lookup_and_misses_once_its_record_is_retracted()
    {
        var row = Row();
        var kept = Row();
        var caseId = await nl.OpenedCase(Tlp.Green);
        // An identifier first, so that the batch is not the case's first change.
        await nl.AddSuspectIdentifierAsync(AddIdentifier(caseId, IdentifierKind.EmailAddress, $"{Guid.NewGuid():N}@example.org"));
        await Import(nl, caseId, row, kept);
        var raw = await partner.LookupAsync(Raw(row.Sha256));
        var token = await OprfLookupTests.OprfToken(partner, "sha256:" + row.Sha256);
        var md5Token = await OprfLookupTests.OprfToken(partner, "md5:" + kept.Md5);
        await hub.ProjectionsCaughtUp();

        var blind = await partner.LookupAsync(ByToken(token));
        var md5Blind = await partner.LookupAsync(ByToken(md5Token));
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = caseId, FileHash = row.Sha256, Reason = "not from the seized server" });
        var retracted = await partner.LookupAsync(ByToken(token));

        Assert.True(raw.Hit);
        Assert.Equal(raw.ToByteArray(), blind.ToByteArray());
        Assert.True(md5Blind.Hit);
        Assert.False(retracted.Hit);
        Assert.True((await partner.LookupAsync(ByToken(md5Token))).Hit);
    }

    [Fact]
    public async Task A_blind_lookup_of_a_hidden_cases_imported_hash_answers_as_one_nobody_holds()
    {
        var row = Row();
        var red = await nl.OpenedCase(Tlp.Red);
        await Import(nl, red, row);
        var token = await OprfLookupTests.OprfToken(partner, "sha256:" + row.Sha256);
        var nobodys = await OprfLookupTests.OprfToken(partner, "sha256:" + Hex(32));
        await hub.ProjectionsCaughtUp();

        var hidden = await partner.LookupAsync(ByToken(token));
        var absent = await partner.LookupAsync(ByToken(nobodys));
        var owner = await hub.Lookups("NL-TBKK").LookupAsync(ByToken(token));

        Assert.False(hidden.Hit);
        Assert.Equal(absent.ToByteArray(), hidden.ToByteArray());
        Assert.True(owner.Hit);
    }
}
