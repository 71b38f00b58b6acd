using System.Numerics;
using System.Security.Cryptography;

namespace EvidenceHub.Tests.Audit;

/// Ed25519 verification written from RFC 8032 (section 5.1.7, with the reference code of section 6), in plain
/// BigInteger arithmetic, sharing nothing with the library the hub signs with: slow, and only for tests.
public static class IndependentEd25519
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493");
    private static readonly BigInteger D = Mod(-121665 * Inverse(121666));
    private static readonly BigInteger SqrtM1 = BigInteger.ModPow(2, (P - 1) / 4, P);
    private static readonly (BigInteger X, BigInteger Y, BigInteger Z, BigInteger T) G = BasePoint();

    public static bool Verify(byte[] publicKey, byte[] message, byte[] signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64) return false;
        var a = Decompress(publicKey);
        var r = Decompress(signature[..32]);
        if (a is null || r is null) return false;
        var s = Little(signature[32..]);
        if (s >= L) return false;
        var h = Mod(Little(SHA512.HashData([.. signature[..32], .. publicKey, .. message])), L);
        // [s]B = R + [h]A
        return Equal(Multiply(s, G), Add(r.Value, Multiply(h, a.Value)));
    }

    private static BigInteger Mod(BigInteger value, BigInteger? modulus = null)
    {
        var m = modulus ?? P;
        var r = value % m;
        return r < 0 ? r + m : r;
    }

    private static BigInteger Inverse(BigInteger value) => BigInteger.ModPow(Mod(value), P - 2, P);

    private static BigInteger Little(byte[] bytes) => new(bytes, isUnsigned: true, isBigEndian: false);

    private static (BigInteger, BigInteger, BigInteger, BigInteger) Add(
        (BigInteger X, BigInteger Y, BigInteger Z, BigInteger T) p, (BigInteger X, BigInteger Y, BigInteger Z, BigInteger T) q)
    {
        var a = Mod((p.Y - p.X) * (q.Y - q.X));
        var b = Mod((p.Y + p.X) * (q.Y + q.X));
        var c = Mod(2 * p.T * q.T * D);
        var d = Mod(2 * p.Z * q.Z);
        var (e, f, g, h) = (b - a, d - c, d + c, b + a);
        return (Mod(e * f), Mod(g * h), Mod(f * g), Mod(e * h));
    }

    private static (BigInteger, BigInteger, BigInteger, BigInteger) Multiply(BigInteger scalar, (BigInteger, BigInteger, BigInteger, BigInteger) point)
    {
        (BigInteger, BigInteger, BigInteger, BigInteger) result = (0, 1, 1, 0);
        while (scalar > 0)
        {
            if (!scalar.IsEven) result = Add(result, point);
            point = Add(point, point);
            scalar >>= 1;
        }
        return result;
    }

    private static bool Equal((BigInteger X, BigInteger Y, BigInteger Z, BigInteger T) p, (BigInteger X, BigInteger Y, BigInteger Z, BigInteger T) q) =>
        Mod(p.X * q.Z - q.X * p.Z) == 0 && Mod(p.Y * q.Z - q.Y * p.Z) == 0;

    private static BigInteger? RecoverX(BigInteger y, int sign)
    {
        if (y >= P) return null;
        var x2 = Mod((y * y - 1) * Inverse(D * y * y + 1));
        if (x2 == 0) return sign == 0 ? 0 : null;
        var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (Mod(x * x - x2) != 0) x = Mod(x * SqrtM1);
        if (Mod(x * x - x2) != 0) return null;
        if ((int)(x & 1) != sign) x = P - x;
        return x;
    }

    private static (BigInteger, BigInteger, BigInteger, BigInteger)? Decompress(byte[] encoded)
    {
        var y = Little(encoded);
        var sign = (int)(y >> 255);
        y &= (BigInteger.One << 255) - 1;
        if (RecoverX(y, sign) is not { } x) return null;
        return (x, y, 1, Mod(x * y));
    }

    private static (BigInteger, BigInteger, BigInteger, BigInteger) BasePoint()
    {
        var y = Mod(4 * Inverse(5));
        var x = RecoverX(y, 0)!.Value;
        return (x, y, 1, Mod(x * y));
    }
}
