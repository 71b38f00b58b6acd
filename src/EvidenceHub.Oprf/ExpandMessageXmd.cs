using System.Security.Cryptography;

namespace EvidenceHub.Oprf;

/// expand_message_xmd with SHA-512 (RFC 9380 section 5.3.1): len uniformly random bytes from a message and a domain
/// separation tag.
public static class ExpandMessageXmd
{
    private const int HashBytes = 64;  // b_in_bytes
    private const int BlockBytes = 128; // s_in_bytes

    public static byte[] Sha512(ReadOnlySpan<byte> message, ReadOnlySpan<byte> dst, int length)
    {
        var ell = (length + HashBytes - 1) / HashBytes;
        if (length <= 0 || ell > 255 || length > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), "expand_message_xmd: len_in_bytes must be in 1..255*64");
        // Long tags are hashed first (section 5.3.3); OPRF's are short, but the function is the RFC's.
        var tag = dst.Length > 255 ? SHA512.HashData([.. "H2C-OVERSIZE-DST-"u8, .. dst]) : dst.ToArray();
        byte[] dstPrime = [.. tag, (byte)tag.Length];

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        // b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime)
        hash.AppendData(new byte[BlockBytes]);
        hash.AppendData(message);
        hash.AppendData([(byte)(length >> 8), (byte)length, 0]);
        hash.AppendData(dstPrime);
        var b0 = hash.GetHashAndReset();

        var output = new byte[ell * HashBytes];
        var previous = new byte[HashBytes];
        for (var i = 1; i <= ell; i++)
        {
            // b_1 = H(b_0 || I2OSP(1, 1) || DST_prime); b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime)
            var mixed = new byte[HashBytes];
            for (var j = 0; j < HashBytes; j++) mixed[j] = (byte)(b0[j] ^ (i == 1 ? 0 : previous[j]));
            hash.AppendData(mixed);
            hash.AppendData([(byte)i]);
            hash.AppendData(dstPrime);
            previous = hash.GetHashAndReset();
            previous.CopyTo(output, (i - 1) * HashBytes);
        }
        return output[..length];
    }
}
