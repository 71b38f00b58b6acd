using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Hub.Erasure;

/// AES-256-GCM under a subject's data key. Stored as base64 of: version (1 byte) | nonce (12) | ciphertext | tag (16).
/// The associated data binds a ciphertext to its subject and field, so that it cannot be moved to another subject or
/// field (a raw value shown as a canonical one) without failing to open. The plaintext is padded to a multiple of
/// PadTo bytes, so that the stored length does not tell a short phone number from a long e-mail address.
/// Nonces are random: a key seals a handful of fields over its life, far below the 2^32 messages of GCM's bound.
public static class SubjectCipher
{
    public const byte Version1 = 1;
    public const int KeySize = 32;
    public const int PadTo = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int LengthPrefix = 2;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static Sealed Seal(Guid subject, ReadOnlySpan<byte> key, string field, string plaintext)
    {
        var text = Encoding.UTF8.GetBytes(plaintext);
        if (text.Length > ushort.MaxValue) throw new ArgumentException("A sealed field holds at most 65535 bytes.", nameof(plaintext));
        var padded = new byte[(LengthPrefix + text.Length + PadTo - 1) / PadTo * PadTo];
        BinaryPrimitives.WriteUInt16BigEndian(padded, (ushort)text.Length);
        text.CopyTo(padded, LengthPrefix);

        var stored = new byte[1 + NonceSize + padded.Length + TagSize];
        stored[0] = Version1;
        var nonce = stored.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, padded, stored.AsSpan(1 + NonceSize, padded.Length), stored.AsSpan(1 + NonceSize + padded.Length), AssociatedData(subject, field));
        return new Sealed(subject, Convert.ToBase64String(stored));
    }

    /// The plaintext; a ciphertext altered, of another version, or opened under the wrong subject, field or key
    /// throws SealedValueDamaged (never returns wrong text).
    public static string Open(Sealed value, ReadOnlySpan<byte> key, string field)
    {
        byte[] stored;
        try { stored = Convert.FromBase64String(value.Ciphertext); }
        catch (FormatException) { throw new SealedValueDamaged(value.Subject, "is not base64"); }
        if (stored.Length < 1 + NonceSize + PadTo + TagSize || stored[0] != Version1)
            throw new SealedValueDamaged(value.Subject, "has an unknown format");
        var length = stored.Length - 1 - NonceSize - TagSize;
        var padded = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(stored.AsSpan(1, NonceSize), stored.AsSpan(1 + NonceSize, length), stored.AsSpan(1 + NonceSize + length), padded,
                AssociatedData(value.Subject, field));
        }
        catch (AuthenticationTagMismatchException) { throw new SealedValueDamaged(value.Subject, "does not open under its subject's key"); }
        var textLength = BinaryPrimitives.ReadUInt16BigEndian(padded);
        if (textLength > length - LengthPrefix) throw new SealedValueDamaged(value.Subject, "has a bad length");
        return Encoding.UTF8.GetString(padded, LengthPrefix, textLength);
    }

    private static byte[] AssociatedData(Guid subject, string field) => Encoding.UTF8.GetBytes($"evidencehub/sealed/v1|{subject:D}|{field}");
}

public sealed class SealedValueDamaged(Guid subject, string problem) : Exception($"The sealed value of subject {subject} {problem}.");
