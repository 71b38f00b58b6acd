using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Infrastructure;

namespace EvidenceHub.Tests.Audit;

/// The checkpoint as a C2SP signed note, checked here from the specifications' byte layout (c2sp.org/signed-note,
/// c2sp.org/tlog-checkpoint) with an Ed25519 verification that shares nothing with the hub's.
[Collection(AuditHub.Name)]
public sealed class CheckpointNoteTests(HubFixture hub)
{
    [Fact]
    public void The_independent_verifier_passes_RFC_8032_test_vector_1_and_fails_a_flipped_bit()
    {
        var publicKey = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        var signature = Convert.FromHexString(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        Assert.True(IndependentEd25519.Verify(publicKey, [], signature));
        signature[10] ^= 1;
        Assert.False(IndependentEd25519.Verify(publicKey, [], signature));
    }

    [Fact]
    public async Task The_latest_checkpoint_is_a_signed_note_that_verifies_against_the_specifications_byte_layout()
    {
        var auditor = hub.Audit("EU-AUDIT");
        await LogTables.WriterCaughtUp(hub.Database.ConnectionString);
        var answer = await auditor.GetCheckpointNoteAsync(new GetCheckpointNoteRequest { Justification = new() { Purpose = "checking the signed checkpoint" } });

        // vkey: <name>+<hex(key id)>+<base64(0x01 || 32-byte public key)>
        var vkey = answer.VerifierKey.Split('+', 3); // base64 may hold '+', the name and the key id may not
        Assert.Equal(3, vkey.Length);
        var name = vkey[0];
        var material = Convert.FromBase64String(vkey[2]);
        Assert.Equal((33, (byte)0x01), (material.Length, material[0]));
        var publicKey = material[1..];
        var keyId = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, 0x01, .. publicKey])[..4];
        Assert.Equal(Convert.ToHexStringLower(keyId), vkey[1]);

        // <origin>\n<size>\n<base64 root>\n \n — <name> base64(key id || signature)\n
        var note = answer.Note;
        var separator = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        var body = note[..(separator + 1)];
        Assert.Equal($"{answer.Origin}\n{answer.TreeSize}\n{Convert.ToBase64String(answer.RootHash.ToByteArray())}\n", body);
        Assert.Equal(name, answer.Origin);
        var line = Assert.Single(note[(separator + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"\u2014 {name} ", line);
        var signature = Convert.FromBase64String(line[(name.Length + 3)..]);
        Assert.Equal(4 + 64, signature.Length);
        Assert.Equal(keyId, signature[..4]);
        Assert.True(IndependentEd25519.Verify(publicKey, Encoding.UTF8.GetBytes(body), signature[4..]));
        Assert.False(IndependentEd25519.Verify(publicKey, Encoding.UTF8.GetBytes(body.Replace($"\n{answer.TreeSize}\n", $"\n{answer.TreeSize + 1}\n")), signature[4..]));

        // The note and the RFC 9162 tree head are the same checkpoint.
        var checkpoint = await auditor.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = new() { Purpose = "checking the signed checkpoint" }, TreeSize = answer.TreeSize });
        Assert.Equal(checkpoint.RootHash, answer.RootHash);
        Assert.Equal(note, checkpoint.Note);
    }

    [Fact]
    public async Task Units_and_partners_may_not_read_the_signed_note_and_only_witnesses_may_cosign()
    {
        var request = new GetCheckpointNoteRequest { Justification = new() { Purpose = "curious about the log" } };
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, (await Commands.Failure(() => hub.Audit("NL-TBKK").GetCheckpointNoteAsync(request).ResponseAsync)).Code);
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, (await Commands.Failure(() => hub.Audit("US-HSI-C3").GetCheckpointNoteAsync(request).ResponseAsync)).Code);
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, (await Commands.Failure(() => hub.Audit("EU-AUDIT")
            .AddCheckpointCosignatureAsync(new AddCheckpointCosignatureRequest { TreeSize = 1, SignatureLine = "\u2014 x AAAAAAA=" }).ResponseAsync)).Code);
    }
}
