namespace EvidenceHub.Media.Pdq;

/// <summary>
/// Meta's PDQ (facebook/ThreatExchange pdq/cpp, hashing/pdqhashing.cpp and downscaling/downscaling.cpp), step for step
/// and in single precision like the reference, so that the same luma gives the same bits: two passes of a Jarosz box
/// filter, decimation to 64×64, the quality from the gradients of that 64×64, a 16×16 DCT, and one bit per coefficient
/// above the median.
/// </summary>
internal enum Dihedral { Rotate90, Rotate180, Rotate270, FlipX, FlipY, FlipPlus1, FlipMinus1 }

internal static class PdqAlgorithm
{
    /// <summary>The reference hashes nothing smaller than this (hash zero, quality 0).</summary>
    public const int MinDimension = 5;

    private const int JaroszPasses = 2;

    // 16 × 64, row-major: D[i, j] = sqrt(2/64) cos(π/128 (i+1)(2j+1)), rounded as the reference rounds it.
    private static readonly float[] Dct = BuildDct();

    private static float[] BuildDct()
    {
        var d = new float[16 * 64];
        var scale = (float)Math.Sqrt(2.0 / 64.0);
        for (var i = 0; i < 16; i++)
            for (var j = 0; j < 64; j++)
                d[i * 64 + j] = (float)(scale * Math.Cos(Math.PI / 2.0 / 64.0 * (i + 1) * (2 * j + 1)));
        return d;
    }

    /// <summary>Hash of a luma plane; <paramref name="luma"/> is used as scratch and left filtered.</summary>
    public static (PdqHash Hash, int Quality) Hash(float[] luma, int rows, int cols) =>
        Bits(Coefficients(luma, rows, cols, out var quality), quality);

    /// <summary>The 16×16 DCT coefficients (row-major) and the quality; null when the image is too small.</summary>
    public static float[]? Coefficients(float[] luma, int rows, int cols, out int quality)
    {
        if (rows < MinDimension || cols < MinDimension)
        {
            quality = 0;
            return null;
        }
        var small = new float[64 * 64];
        if (rows == 64 && cols == 64)
        {
            Array.Copy(luma, small, small.Length);
        }
        else
        {
            var scratch = new float[rows * cols];
            var windowAlongRows = JaroszWindow(cols, 64);
            var windowAlongCols = JaroszWindow(rows, 64);
            for (var pass = 0; pass < JaroszPasses; pass++)
            {
                for (var i = 0; i < rows; i++) Box(luma, scratch, i * cols, cols, 1, windowAlongRows);
                for (var j = 0; j < cols; j++) Box(scratch, luma, j, rows, cols, windowAlongCols);
            }
            Decimate(luma, rows, cols, small);
        }
        quality = Quality(small);
        return Dct16(small);
    }

    private static (PdqHash, int) Bits(float[]? coefficients, int quality) =>
        coefficients is null ? (PdqHash.Zero, 0) : (BitsAboveMedian(coefficients), quality);

    public static PdqHash BitsAboveMedian(float[] coefficients)
    {
        var median = Torben(coefficients);
        Span<bool> bits = stackalloc bool[PdqHash.Bits];
        for (var k = 0; k < PdqHash.Bits; k++) bits[k] = coefficients[k] > median;
        return PdqHash.FromBits(bits);
    }

    /// <summary>
    /// The coefficients of the image turned or mirrored, from the coefficients of the image (the reference's
    /// dct16OriginalTo*): the DCT basis is even or odd about the centre, so a turn or a mirror only transposes and
    /// flips signs. Rotate270 is what a clockwise quarter turn of the image gives; FlipY a left-right mirror.
    /// </summary>
    public static float[] Transform(float[] a, Dihedral transform)
    {
        var b = new float[16 * 16];
        for (var i = 0; i < 16; i++)
            for (var j = 0; j < 16; j++)
            {
                var v = a[i * 16 + j];
                switch (transform)
                {
                    case Dihedral.Rotate90: b[j * 16 + i] = (j & 1) != 0 ? v : -v; break;
                    case Dihedral.Rotate180: b[i * 16 + j] = ((i + j) & 1) != 0 ? -v : v; break;
                    case Dihedral.Rotate270: b[j * 16 + i] = (i & 1) != 0 ? v : -v; break;
                    case Dihedral.FlipX: b[i * 16 + j] = (i & 1) != 0 ? v : -v; break;
                    case Dihedral.FlipY: b[i * 16 + j] = (j & 1) != 0 ? v : -v; break;
                    case Dihedral.FlipPlus1: b[j * 16 + i] = v; break;
                    case Dihedral.FlipMinus1: b[j * 16 + i] = ((i + j) & 1) != 0 ? -v : v; break;
                    default: throw new ArgumentOutOfRangeException(nameof(transform), transform, null);
                }
            }
        return b;
    }

    private static int JaroszWindow(int oldDimension, int newDimension) =>
        (oldDimension + 2 * newDimension - 1) / (2 * newDimension);

    // box1DFloat: a running mean whose window grows in from the left edge and shrinks out at the right.
    private static void Box(float[] input, float[] output, int start, int length, int stride, int window)
    {
        var half = (window + 2) / 2;
        var phase1 = half - 1;
        var phase2 = window - half + 1;
        var phase3 = length - window;
        var phase4 = half - 1;
        int li = start, ri = start, oi = start;
        var sum = 0.0f;
        var size = 0;
        for (var i = 0; i < phase1; i++)
        {
            sum += input[ri];
            size++;
            ri += stride;
        }
        for (var i = 0; i < phase2; i++)
        {
            sum += input[ri];
            size++;
            output[oi] = sum / size;
            ri += stride;
            oi += stride;
        }
        for (var i = 0; i < phase3; i++)
        {
            sum += input[ri];
            sum -= input[li];
            output[oi] = sum / size;
            li += stride;
            ri += stride;
            oi += stride;
        }
        for (var i = 0; i < phase4; i++)
        {
            sum -= input[li];
            size--;
            output[oi] = sum / size;
            li += stride;
            oi += stride;
        }
    }

    private static void Decimate(float[] input, int rows, int cols, float[] output)
    {
        for (var i = 0; i < 64; i++)
        {
            var ini = (int)((i + 0.5) * rows / 64);
            for (var j = 0; j < 64; j++)
            {
                var inj = (int)((j + 0.5) * cols / 64);
                output[i * 64 + j] = input[ini * cols + inj];
            }
        }
    }

    // Counts significant gradients only: each difference is quantised to whole percent of full scale first.
    private static int Quality(float[] small)
    {
        var sum = 0;
        for (var i = 0; i < 63; i++)
            for (var j = 0; j < 64; j++)
                sum += Math.Abs((int)((small[i * 64 + j] - small[(i + 1) * 64 + j]) * 100 / 255));
        for (var i = 0; i < 64; i++)
            for (var j = 0; j < 63; j++)
                sum += Math.Abs((int)((small[i * 64 + j] - small[i * 64 + j + 1]) * 100 / 255));
        return Math.Min(sum / 90, 100);
    }

    // B = D A Dᵀ, only the 16×16 low frequencies (without the DC row and column), summed in the reference's order.
    private static float[] Dct16(float[] a)
    {
        var t = new float[16 * 64];
        for (var i = 0; i < 16; i++)
            for (var j = 0; j < 64; j++)
            {
                var sum = 0.0f;
                for (var k = 0; k < 64; k++) sum += Dct[i * 64 + k] * a[k * 64 + j];
                t[i * 64 + j] = sum;
            }
        var b = new float[16 * 16];
        for (var i = 0; i < 16; i++)
            for (var j = 0; j < 16; j++)
            {
                var sum = 0.0f;
                for (var k = 0; k < 64; k++) sum += t[i * 64 + k] * Dct[j * 64 + k];
                b[i * 16 + j] = sum;
            }
        return b;
    }

    // Torben Mogensen's median, as the reference picks it (for an even count, the lower middle value or the guess).
    private static float Torben(float[] m)
    {
        var n = m.Length;
        float min = m[0], max = m[0];
        for (var i = 1; i < n; i++)
        {
            if (m[i] < min) min = m[i];
            if (m[i] > max) max = m[i];
        }
        int less, greater, equal;
        float guess, maxLessThanGuess, minGreaterThanGuess;
        while (true)
        {
            guess = (min + max) / 2;
            less = greater = equal = 0;
            maxLessThanGuess = min;
            minGreaterThanGuess = max;
            for (var i = 0; i < n; i++)
            {
                if (m[i] < guess)
                {
                    less++;
                    if (m[i] > maxLessThanGuess) maxLessThanGuess = m[i];
                }
                else if (m[i] > guess)
                {
                    greater++;
                    if (m[i] < minGreaterThanGuess) minGreaterThanGuess = m[i];
                }
                else
                {
                    equal++;
                }
            }
            if (less <= (n + 1) / 2 && greater <= (n + 1) / 2) break;
            if (less > greater) max = maxLessThanGuess;
            else min = minGreaterThanGuess;
        }
        if (less >= (n + 1) / 2) return maxLessThanGuess;
        if (less + equal >= (n + 1) / 2) return guess;
        return minGreaterThanGuess;
    }
}
