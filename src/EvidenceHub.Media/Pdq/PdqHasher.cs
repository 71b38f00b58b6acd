using System.Runtime.InteropServices;
using SkiaSharp;

namespace EvidenceHub.Media.Pdq;

public readonly record struct PdqResult(PdqHash Hash, int Quality);

/// <summary>
/// PDQ of an image file, computed where the image is. Decodes as Meta's reference hasher does (pdq/cpp/io/pdqio.cpp):
/// 8-bit RGB or grey, no colour management, EXIF orientation ignored, alpha ignored (the reference refuses alpha), and
/// an image wider or taller than 512 first resized to 512×512 by nearest neighbour.
/// </summary>
public static class PdqHasher
{
    /// <summary>Images above this many pixels are refused before any pixel is decoded (a crafted header can claim
    /// anything); 200 megapixels is the largest phone camera of 2026.</summary>
    public const long DefaultMaxPixels = 200_000_000;

    private const int ReferenceMaxDimension = 512;

    public static PdqResult Hash(string path, long maxPixels = DefaultMaxPixels)
    {
        using var file = File.OpenRead(path);
        return Hash(file, maxPixels);
    }

    /// <summary>An image smaller than 5×5 hashes to zero with quality 0, as in the reference.</summary>
    /// <exception cref="InvalidDataException">not an image Skia decodes (JPEG, PNG, WebP, GIF, BMP, ICO, WBMP), truncated
    /// or corrupt, or over <paramref name="maxPixels"/>.</exception>
    public static PdqResult Hash(Stream image, long maxPixels = DefaultMaxPixels)
    {
        var (luma, rows, cols) = DecodeLuma(image, maxPixels);
        var (hash, quality) = PdqAlgorithm.Hash(luma, rows, cols);
        return new PdqResult(hash, quality);
    }

    /// <summary>The luma plane the reference hashes: after its 512×512 nearest-neighbour step, before any filter.</summary>
    internal static (float[] Luma, int Rows, int Cols) DecodeLuma(Stream image, long maxPixels)
    {
        using var data = SKData.Create(image) ?? throw new InvalidDataException("the image could not be read");
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var created)
            ?? throw new InvalidDataException($"not an image this decoder reads ({created})");
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0) throw new InvalidDataException("the image has no pixels");
        if ((long)width * height > maxPixels)
            throw new InvalidDataException($"the image is {width}×{height}, more than the {maxPixels} pixels allowed");

        var grey = codec.Info.ColorType == SKColorType.Gray8;
        // No colour space: Skia then converts nothing, as CImg converts nothing.
        var info = new SKImageInfo(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var resize = width > ReferenceMaxDimension || height > ReferenceMaxDimension;
        var cols = resize ? ReferenceMaxDimension : width;
        var rows = resize ? ReferenceMaxDimension : height;
        var sourceColumn = NearestSource(cols, width);
        var sourceRow = NearestSource(rows, height);

        var luma = new float[rows * cols];
        var outputRow = 0;
        foreach (var (y, pixels) in Rows(codec, info))
        {
            for (; outputRow < rows && sourceRow[outputRow] == y; outputRow++)
            {
                var target = luma.AsSpan(outputRow * cols, cols);
                if (grey)
                {
                    for (var x = 0; x < cols; x++) target[x] = pixels[sourceColumn[x]];
                }
                else
                {
                    for (var x = 0; x < cols; x++)
                    {
                        var p = sourceColumn[x] * 4;
                        // The reference's weights and order of operations, in single precision.
                        target[x] = 0.299f * pixels[p] + 0.587f * pixels[p + 1] + 0.114f * pixels[p + 2];
                    }
                }
            }
            if (outputRow == rows) break;
        }
        return (luma, rows, cols);
    }

    // CImg's nearest neighbour: output i takes input floor(i · old / new), in double precision.
    private static int[] NearestSource(int newSize, int oldSize)
    {
        var source = new int[newSize];
        for (var i = 0; i < newSize; i++) source[i] = newSize == oldSize ? i : (int)((double)i * oldSize / newSize);
        return source;
    }

    // Top-down rows, one at a time when the codec can (so a 200-megapixel photo never sits in memory whole).
    private static IEnumerable<(int Y, byte[] Pixels)> Rows(SKCodec codec, SKImageInfo info)
    {
        var rowBytes = info.RowBytes;
        if (codec.ScanlineOrder == SKCodecScanlineOrder.TopDown && codec.StartScanlineDecode(info) == SKCodecResult.Success)
        {
            var row = new byte[rowBytes];
            var handle = GCHandle.Alloc(row, GCHandleType.Pinned);
            try
            {
                for (var y = 0; y < info.Height; y++)
                {
                    if (codec.GetScanlines(handle.AddrOfPinnedObject(), 1, rowBytes) != 1)
                        throw new InvalidDataException($"the image is truncated or corrupt at row {y + 1} of {info.Height}");
                    yield return (y, row);
                }
            }
            finally
            {
                handle.Free();
            }
            yield break;
        }

        var all = new byte[(long)rowBytes * info.Height];
        var result = codec.GetPixels(info, all);
        if (result != SKCodecResult.Success)
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput
                ? "the image is truncated"
                : $"the image could not be decoded ({result})");
        var one = new byte[rowBytes];
        for (var y = 0; y < info.Height; y++)
        {
            Array.Copy(all, (long)y * rowBytes, one, 0, rowBytes);
            yield return (y, one);
        }
    }
}
