using Org.BouncyCastle.Crypto.Parameters;

namespace EvidenceHub.Hub.Audit;

/// A verifier key (vkey), "&lt;name&gt;+&lt;hex key id&gt;+&lt;base64(type || public key)&gt;": how keys are pinned in
/// configuration and handed to the parties that verify.
public sealed record NoteVerifier(string Name, byte Type, byte[] PublicKey)
{
    public byte[] KeyId { get; } = SignedNote.KeyId(Name, Type, PublicKey);

    public bool Signed(NoteSignature signature) =>
        signature.Name == Name && signature.KeyId.AsSpan().SequenceEqual(KeyId);

    public override string ToString() => $"{Name}+{Convert.ToHexStringLower(KeyId)}+{Convert.ToBase64String([Type, .. PublicKey])}";

    public static NoteVerifier Parse(string vkey, string setting)
    {
        // The name and the hex key id hold no '+'; the base64 part may.
        var parts = vkey.Trim().Split('+', 3);
        try
        {
            if (parts.Length == 3 && parts[0].Length > 0 && parts[1].Length == 8)
            {
                var material = Convert.FromBase64String(parts[2]);
                if (material.Length == 33 && material[0] is SignedNote.Ed25519Type or SignedNote.CosignatureV1Type)
                {
                    var verifier = new NoteVerifier(parts[0], material[0], material[1..]);
                    if (Convert.ToHexStringLower(verifier.KeyId) == parts[1].ToLowerInvariant()) return verifier;
                    throw new InvalidOperationException($"{setting}: the key id in '{vkey}' does not match its name and key");
                }
            }
        }
        catch (FormatException) { }
        throw new InvalidOperationException(
            $"{setting}: '{vkey}' is not an Ed25519 verifier key (<name>+<hex key id>+<base64(0x01 or 0x04 || 32-byte public key)>)");
    }
}
