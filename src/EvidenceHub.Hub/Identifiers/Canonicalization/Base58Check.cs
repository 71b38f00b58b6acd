using System.Numerics;
using System.Security.Cryptography;

namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// Base58 (the Bitcoin alphabet, also used by Litecoin, Dogecoin, Tron and Monero) and Base58Check: a payload followed
/// by the first four bytes of its double SHA-256.
internal static class Base58Check
{
    public const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static bool IsBase58(string text) => text.Length > 0 && text.All(c => Alphabet.Contains(c));

    /// The decoded bytes, or null when a character is outside the alphabet.
    public static byte[]? Decode(string text)
    {
        BigInteger number = BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c);
            if (digit < 0) return null;
            number = number * 58 + digit;
        }
        // Each leading '1' stands for one leading zero byte.
        var zeros = text.TakeWhile(c => c == '1').Count();
        var body = number.IsZero ? [] : number.ToByteArray(isUnsigned: true, isBigEndian: true);
        return [.. new byte[zeros], .. body];
    }

    /// The payload (version byte first) when the checksum holds; null when not Base58 or the checksum is wrong.
    public static byte[]? DecodeChecked(string text)
    {
        var bytes = Decode(text);
        if (bytes is null || bytes.Length < 5) return null;
        var payload = bytes[..^4];
        var checksum = SHA256.HashData(SHA256.HashData(payload));
        return checksum.AsSpan(0, 4).SequenceEqual(bytes.AsSpan(bytes.Length - 4)) ? payload : null;
    }
}
