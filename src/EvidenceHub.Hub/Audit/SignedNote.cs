using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;

namespace EvidenceHub.Hub.Audit;

/// C2SP signed notes (c2sp.org/signed-note), the checkpoint they carry (c2sp.org/tlog-checkpoint) and Ed25519
/// witness cosignatures (c2sp.org/tlog-cosignature, v1), byte for byte as those specifications lay them out, so that
/// any note verifier or witness can check the hub's checkpoints without trusting the hub or its database.
public static class SignedNote
{
    /// Signature type of a plain Ed25519 note signature (the log's own).
    public const byte Ed25519Type = 0x01;
    /// Signature type of a timestamped Ed25519 checkpoint cosignature (a witness's).
    public const byte CosignatureV1Type = 0x04;
    public const string Dash = "\u2014";
    /// At most this many signature lines are read from a note (the specification asks verifiers to accept 16).
    public const int MaxSignatures = 64;

    /// "&lt;origin&gt;\n&lt;tree size&gt;\n&lt;base64 root hash&gt;\n": the checkpoint body, without extension lines.
    public static string CheckpointBody(string origin, long treeSize, byte[] rootHash) =>
        $"{origin}\n{treeSize}\n{Convert.ToBase64String(rootHash)}\n";

    /// SHA-256(key name || 0x0A || signature type || public key)[:4].
    public static byte[] KeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        var input = new List<byte>(Encoding.UTF8.GetBytes(name)) { 0x0A, type };
        input.AddRange(publicKey.ToArray());
        return SHA256.HashData(input.ToArray())[..4];
    }

    /// "— &lt;name&gt; base64(key id || signature)\n".
    public static string SignatureLine(string name, ReadOnlySpan<byte> keyId, ReadOnlySpan<byte> signature) =>
        $"{Dash} {name} {Convert.ToBase64String([.. keyId, .. signature])}\n";

    /// "cosignature/v1\ntime &lt;t&gt;\n" followed by the checkpoint body: what an Ed25519 v1 cosignature signs.
    public static byte[] CosignedMessage(long time, string body) => Encoding.UTF8.GetBytes($"cosignature/v1\ntime {time}\n{body}");

    public static byte[] Sign(Ed25519PrivateKeyParameters key, byte[] message)
    {
        var signature = new byte[Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.SignatureSize];
        key.Sign(Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
        return signature;
    }

    public static bool Verify(byte[] publicKey, byte[] message, ReadOnlySpan<byte> signature) =>
        publicKey.Length == 32 && signature.Length == 64
        && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature.ToArray(), 0, publicKey, 0, message, 0, message.Length);

    /// The note's text (with its final newline) and its signature lines, or null when it is not a well-formed note.
    public static (string Body, List<NoteSignature> Signatures)? Parse(string note)
    {
        if (!note.EndsWith('\n') || note.Any(c => c < 0x20 && c != '\n')) return null;
        var separator = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (separator < 0) return null;
        var body = note[..(separator + 1)];
        var signatures = new List<NoteSignature>();
        foreach (var line in note[(separator + 2)..^1].Split('\n'))
        {
            if (ParseLine(line) is not { } signature || signatures.Count == MaxSignatures) return null;
            signatures.Add(signature);
        }
        return signatures.Count == 0 ? null : (body, signatures);
    }

    /// One "— &lt;name&gt; &lt;base64&gt;" line (without its newline).
    public static NoteSignature? ParseLine(string line)
    {
        line = line.TrimEnd('\n');
        if (!line.StartsWith(Dash + " ", StringComparison.Ordinal)) return null;
        var parts = line[2..].Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[0].Contains('+')) return null;
        try
        {
            var bytes = Convert.FromBase64String(parts[1]);
            return bytes.Length < 5 ? null : new NoteSignature(parts[0], bytes[..4], bytes[4..]);
        }
        catch (FormatException) { return null; }
    }

    public static long CosignatureTime(ReadOnlySpan<byte> signature) => (long)BinaryPrimitives.ReadUInt64BigEndian(signature);
}
