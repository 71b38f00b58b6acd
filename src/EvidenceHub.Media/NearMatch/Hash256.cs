using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace EvidenceHub.Media.NearMatch;

/// A 256-bit perceptual hash (PDQ) as four 64-bit words. Bit k is bit (k mod 64) of word k / 64, which is bit
/// (k mod 16) of Meta's 16-bit word k / 16: the 64 hex digits Meta prints (its word 15 first, word 0 last) read as one
/// big-endian number, so the last 16 digits are <see cref="W0"/>.
public readonly record struct Hash256(ulong W0, ulong W1, ulong W2, ulong W3)
{
    public const int Bits = 256;
    public const int HexLength = 64;

    public int DistanceTo(in Hash256 other) =>
        BitOperations.PopCount(W0 ^ other.W0) + BitOperations.PopCount(W1 ^ other.W1) +
        BitOperations.PopCount(W2 ^ other.W2) + BitOperations.PopCount(W3 ^ other.W3);

    /// Meta's 16-bit word i (0..15): the multi-index hash keys on these.
    public ushort Chunk(int i) => (ushort)(Word(i >> 2) >> ((i & 3) << 4));

    public ulong Word(int i) => i switch
    {
        0 => W0,
        1 => W1,
        2 => W2,
        3 => W3,
        _ => throw new ArgumentOutOfRangeException(nameof(i), i, "a 256-bit hash has words 0 to 3"),
    };

    public bool Bit(int k) => ((Word(k >> 6) >> (k & 63)) & 1) != 0;

    public Hash256 FlipBit(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, Bits);
        var mask = 1UL << (k & 63);
        return (k >> 6) switch
        {
            0 => this with { W0 = W0 ^ mask },
            1 => this with { W1 = W1 ^ mask },
            2 => this with { W2 = W2 ^ mask },
            _ => this with { W3 = W3 ^ mask },
        };
    }

    public Hash256 Xor(in Hash256 other) => new(W0 ^ other.W0, W1 ^ other.W1, W2 ^ other.W2, W3 ^ other.W3);

    public static Hash256 Random(Random random)
    {
        Span<ulong> words = stackalloc ulong[4];
        random.NextBytes(MemoryMarshal.AsBytes(words));
        return new Hash256(words[0], words[1], words[2], words[3]);
    }

    public static bool TryParse(ReadOnlySpan<char> hex, out Hash256 hash)
    {
        hash = default;
        if (hex.Length != HexLength) return false;
        Span<ulong> words = stackalloc ulong[4];
        for (var i = 0; i < 4; i++)
            if (!ulong.TryParse(hex.Slice((3 - i) * 16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i]))
                return false;
        hash = new Hash256(words[0], words[1], words[2], words[3]);
        return true;
    }

    public static Hash256 Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var hash) ? hash : throw new FormatException($"A PDQ hash is {HexLength} hexadecimal digits.");

    /// 64 lower-case hex digits in Meta's order (its word 15 first).
    public string ToHex() => string.Create(CultureInfo.InvariantCulture, $"{W3:x16}{W2:x16}{W1:x16}{W0:x16}");

    public override string ToString() => ToHex();
}
