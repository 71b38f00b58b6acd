using System.Globalization;
using System.Numerics;

namespace EvidenceHub.Media.Pdq;

/// <summary>
/// A 256-bit PDQ hash. Bit k is bit k of the 256-bit number whose 64 hex digits Meta's tools print (most significant
/// first, lower case), so a hash read from ThreatExchange, NCMEC or a VICS file and one computed here compare as they are.
/// </summary>
public readonly struct PdqHash : IEquatable<PdqHash>
{
    public const int Bits = 256;
    public const int HexLength = 64;

    // Bits 0..63 in w0, 64..127 in w1, and so on.
    private readonly ulong w0, w1, w2, w3;

    private PdqHash(ulong w0, ulong w1, ulong w2, ulong w3) => (this.w0, this.w1, this.w2, this.w3) = (w0, w1, w2, w3);

    public static PdqHash Zero => default;

    public bool this[int bit] => ((Word(bit) >> (bit & 63)) & 1) != 0;

    public int DistanceTo(PdqHash other) =>
        BitOperations.PopCount(w0 ^ other.w0) + BitOperations.PopCount(w1 ^ other.w1)
        + BitOperations.PopCount(w2 ^ other.w2) + BitOperations.PopCount(w3 ^ other.w3);

    public static int Distance(PdqHash a, PdqHash b) => a.DistanceTo(b);

    /// <summary>Meta's text form: 64 lower-case hex digits.</summary>
    public override string ToString() => $"{w3:x16}{w2:x16}{w1:x16}{w0:x16}";

    public static PdqHash Parse(string text) =>
        TryParse(text, out var hash, out var error) ? hash : throw new FormatException(error);

    public static bool TryParse(string? text, out PdqHash hash) => TryParse(text, out hash, out _);

    public static bool TryParse(string? text, out PdqHash hash, out string error)
    {
        hash = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "a PDQ hash is 64 hex digits; got nothing";
            return false;
        }
        if (text.Length != HexLength)
        {
            error = $"a PDQ hash is 64 hex digits; got {text.Length} characters";
            return false;
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsAsciiHexDigit(text[i]))
            {
                error = $"a PDQ hash is 64 hex digits; character {i + 1} is not one";
                return false;
            }
        }
        var span = text.AsSpan();
        hash = new PdqHash(Word(span[48..]), Word(span[32..48]), Word(span[16..32]), Word(span[..16]));
        error = "";
        return true;

        static ulong Word(ReadOnlySpan<char> hex) => ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    /// <summary>The hash whose bit k is set for every k in <paramref name="setBits"/>.</summary>
    internal static PdqHash FromBits(ReadOnlySpan<bool> setBits)
    {
        if (setBits.Length != Bits) throw new ArgumentException("a PDQ hash has 256 bits", nameof(setBits));
        Span<ulong> w = stackalloc ulong[4];
        for (var k = 0; k < Bits; k++)
            if (setBits[k]) w[k >> 6] |= 1UL << (k & 63);
        return new PdqHash(w[0], w[1], w[2], w[3]);
    }

    private ulong Word(int bit) => (bit >> 6) switch
    {
        0 => w0,
        1 => w1,
        2 => w2,
        3 => w3,
        _ => throw new ArgumentOutOfRangeException(nameof(bit), bit, "a PDQ hash has bits 0 to 255"),
    };

    public bool Equals(PdqHash other) => w0 == other.w0 && w1 == other.w1 && w2 == other.w2 && w3 == other.w3;
    public override bool Equals(object? obj) => obj is PdqHash other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(w0, w1, w2, w3);
    public static bool operator ==(PdqHash a, PdqHash b) => a.Equals(b);
    public static bool operator !=(PdqHash a, PdqHash b) => !a.Equals(b);
}
