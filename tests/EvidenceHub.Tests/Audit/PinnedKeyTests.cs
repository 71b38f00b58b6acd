using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Audit;

/// Finding 6: VerifyLog trusted every key in the log's key table, so whoever could write the database could rewrite
/// an access record, recompute its hashes, insert a key of their own and re-sign the checkpoints, and VerifyLog said
/// intact. The keys are pinned in configuration now.
public sealed class PinnedKeyTests(PinnedKeysHub hub) : IClassFixture<PinnedKeysHub>
{
    [Fact]
    public async Task A_history_rewritten_and_re_signed_with_a_key_inserted_into_the_database_is_not_intact()
    {
        var auditor = hub.Audit("EU-AUDIT");
        var cases = hub.Cases("NL-TBKK");
        var caseId = await cases.OpenedCase();
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "reviewing the case file" } });
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        var before = await auditor.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "integrity check before the attack" } });
        Assert.True(before.Intact, before.Problem);
        Assert.True(before.KeysPinned);

        using var attackerTreeHeadKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var attackerNoteKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        await LogRewrite.Rewrite(hub, attackerTreeHeadKey, attackerNoteKey, PinnedKeysHub.Origin, insertKeyIntoTable: true);

        var after = await auditor.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "integrity check after the attack" } });
        Assert.False(after.Intact);
        Assert.Contains("pinned log key", after.Problem);
    }

}

/// The signed note is checked on its own too (a hub of its own: the other class leaves its log rewritten).
public sealed class PinnedNoteKeyTests(PinnedKeysHub hub) : IClassFixture<PinnedKeysHub>
{
    [Fact]
    public async Task A_checkpoint_note_re_signed_with_another_key_under_the_pinned_key_id_is_refused()
    {
        // Only the note is forged (the RFC 9162 signature is left alone): the note check alone must catch it.
        var auditor = hub.Audit("EU-AUDIT");
        await hub.Cases("NL-TBKK").OpenedCase(); // something to log
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        var checkpoint = await auditor.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = new() { Purpose = "reading the checkpoint" } });
        var forger = new Ed25519PrivateKeyParameters(new SecureRandom());
        var body = EvidenceHub.Hub.Audit.SignedNote.CheckpointBody(PinnedKeysHub.Origin, checkpoint.TreeSize, checkpoint.RootHash.ToByteArray());
        var forged = body + "\n" + EvidenceHub.Hub.Audit.SignedNote.SignatureLine(PinnedKeysHub.Origin, hub.NoteVerifier.KeyId,
            EvidenceHub.Hub.Audit.SignedNote.Sign(forger, System.Text.Encoding.UTF8.GetBytes(body)));
        var original = checkpoint.Note;
        await Sql.Execute(hub.Database.ConnectionString, $"UPDATE evidencehub.audit_log_checkpoints SET note = @note WHERE tree_size = {checkpoint.TreeSize}", ("note", forged));
        try
        {
            var verification = await auditor.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "integrity check after the forgery" } });
            Assert.False(verification.Intact);
            Assert.Contains($"signed note of the checkpoint for {checkpoint.TreeSize} entries", verification.Problem);
        }
        finally
        {
            await Sql.Execute(hub.Database.ConnectionString, $"UPDATE evidencehub.audit_log_checkpoints SET note = @note WHERE tree_size = {checkpoint.TreeSize}", ("note", original));
        }
    }
}

/// A witness that cosigned the log refuses a history rewritten after it saw it, even when whoever rewrote it holds
/// the hub's own signing keys (an insider, a stolen key): VerifyLog names the witness whose cosignature no longer
/// holds, and the witness itself finds that the new checkpoint does not extend the one it cosigned.
public sealed class WitnessTests(PinnedKeysHub hub) : IClassFixture<PinnedKeysHub>
{
    [Fact]
    public async Task A_witness_detects_a_history_rewritten_and_re_signed_with_the_hubs_own_keys()
    {
        var auditor = hub.Audit("EU-AUDIT");
        var cases = hub.Cases("NL-TBKK");
        var caseId = await cases.OpenedCase();
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "reviewing the case file" } });
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);

        var witness = new TestWitness(hub);
        Assert.True(await witness.Cosign());
        var cosigned = witness.Latest!.Value;
        var intact = await auditor.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "integrity check after the cosignature" } });
        Assert.True(intact.Intact, intact.Problem);
        var state = Assert.Single(intact.Witnesses);
        Assert.Equal((PinnedKeysHub.WitnessName, cosigned.Size), (state.Witness, state.CosignedTreeSize));
        // The checkpoint as served carries the cosignature line after the hub's own.
        var served = await auditor.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = new() { Purpose = "reading the cosigned checkpoint" }, TreeSize = cosigned.Size });
        Assert.Equal(PinnedKeysHub.WitnessName, Assert.Single(served.Cosignatures).Witness);

        // Log growth the witness accepts: consistent with what it cosigned.
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "reviewing the case file again" } });
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        Assert.True(await witness.Cosign());
        Assert.True(witness.Latest!.Value.Size > cosigned.Size);
        var witnessed = witness.Latest!.Value;

        var position = await LogRewrite.Rewrite(hub, hub.TreeHeadKey, hub.NoteKey, PinnedKeysHub.Origin, insertKeyIntoTable: false);
        Assert.True(position < witnessed.Size);

        var verification = await auditor.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "integrity check after the rewrite" } });
        Assert.False(verification.Intact);
        Assert.Contains($"witness {PinnedKeysHub.WitnessName}'s cosignature", verification.Problem);

        // The witness, asked to cosign the re-signed log, refuses: it does not extend the tree it cosigned.
        await cases.GetCaseAsync(new GetCaseRequest { CaseId = caseId, Justification = new() { Purpose = "reviewing the case file once more" } });
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        Assert.False(await witness.Cosign());
        Assert.Equal(witnessed, witness.Latest);
    }

    [Fact]
    public async Task A_cosignature_that_does_not_verify_or_is_from_an_unknown_witness_is_refused_with_the_field_named()
    {
        await hub.Cases("NL-TBKK").OpenedCase(); // something to log
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        var witness = hub.Audit(PinnedKeysHub.WitnessUnit, "witness");
        var note = await witness.GetCheckpointNoteAsync(new GetCheckpointNoteRequest { Justification = new() { Purpose = "witness polling the log" } });
        var garbage = $"\u2014 {PinnedKeysHub.WitnessName} {Convert.ToBase64String([.. hub.WitnessVerifier.KeyId, .. new byte[72]])}";
        var bad = await Failure(() => witness.AddCheckpointCosignatureAsync(new AddCheckpointCosignatureRequest { TreeSize = note.TreeSize, SignatureLine = garbage }).ResponseAsync);
        Assert.Equal((Grpc.Core.StatusCode.InvalidArgument, "signature_line"), (bad.Code, bad.Field));
        var stranger = $"\u2014 stranger.example/w {Convert.ToBase64String(new byte[76])}";
        var unknown = await Failure(() => witness.AddCheckpointCosignatureAsync(new AddCheckpointCosignatureRequest { TreeSize = note.TreeSize, SignatureLine = stranger }).ResponseAsync);
        Assert.Equal((Grpc.Core.StatusCode.InvalidArgument, "signature_line"), (unknown.Code, unknown.Field));
    }
}

internal static class Sql
{
    public static async Task Execute(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
