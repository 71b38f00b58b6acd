using SkiaSharp;

namespace EvidenceHub.Media.Samples;

/// <summary>One generated image file: what it shows, how it was derived, and its encoded bytes.</summary>
public sealed record SyntheticImage(string Name, string Kind, string Transform, string? Original, byte[] Bytes);

/// <summary>
/// Images made from a seed with integer and IEEE double arithmetic only (no trigonometry, no library resampling), so
/// every machine makes the same pixels: the PDQ test set checked against Meta's reference, and the demo's pictures.
/// Lossless files (PNG) are fully determined by the pixels; JPEG bytes also depend on Skia's encoder.
/// </summary>
public static class SyntheticImages
{
    /// <summary>Bump when any pixel a seed makes changes; the expected hashes name the version they were made from.</summary>
    public const int Version = 1;
    public const ulong DefaultSeed = 14;

    public static IReadOnlyList<SyntheticImage> All(ulong seed = DefaultSeed)
    {
        var random = new SplitMix(seed);
        var images = new List<SyntheticImage>();
        var gradient = Gradient(640, 480);
        var shapes = Shapes(1024, 768, random);
        var noise = BlockNoise(400, 300, random);
        var text = TextLike(800, 600, random);
        var photo = SmoothField(1024, 768, 3, 160, 0.5, 255, random);
        var grey = SmoothField(300, 400, 1, 60, 0.7, 255, random);
        var tiny = SmoothField(64, 64, 3, 12, 0.7, 255, random);
        var flat = Flat(640, 480, 128);
        var lowContrast = SmoothField(640, 480, 3, 20, 1, 3, random);

        void Add(string name, string kind, Pixels pixels, string format = "png", string transform = "none", string? original = null) =>
            images.Add(new SyntheticImage($"{name}.{format[..3]}", kind, transform, original, Encode(pixels, format)));

        Add("gradient", "gradient", gradient);
        Add("shapes", "shapes", shapes);
        Add("noise", "noise", noise);
        Add("text", "text", text);
        Add("photo", "photo", photo);
        Add("photo-grey", "photo", grey);
        Add("photo-64", "photo", tiny);
        Add("flat", "flat", flat);
        Add("low-contrast", "flat", lowContrast);
        Add("photo-q90", "photo", photo, "jpg90", "jpeg90", "photo.png");
        Add("shapes-q90", "shapes", shapes, "jpg90", "jpeg90", "shapes.png");
        Add("photo-grey-q90", "photo", grey, "jpg90", "jpeg90", "photo-grey.png");
        foreach (var (name, kind, pixels) in new[] { ("photo", "photo", photo), ("shapes", "shapes", shapes), ("text", "text", text), ("noise", "noise", noise) })
        {
            var original = $"{name}.png";
            Add($"{name}-half", kind, Half(pixels), transform: "half", original: original);
            Add($"{name}-q50", kind, pixels, "jpg50", "jpeg50", original);
            Add($"{name}-crop", kind, Crop(pixels, 0.01), transform: "crop1", original: original);
            Add($"{name}-rot90", kind, Rotate90(pixels), transform: "rot90", original: original);
            Add($"{name}-flipx", kind, FlipX(pixels), transform: "flipx", original: original);
        }
        return images;
    }

    public static void WriteAll(string directory, ulong seed = DefaultSeed)
    {
        Directory.CreateDirectory(directory);
        foreach (var image in All(seed)) File.WriteAllBytes(Path.Combine(directory, image.Name), image.Bytes);
    }

    private sealed record Pixels(int Width, int Height, int Channels, byte[] Data)
    {
        public static Pixels New(int width, int height, int channels) => new(width, height, channels, new byte[width * height * channels]);
        public int At(int x, int y) => (y * Width + x) * Channels;
    }

    private static byte Clamp(double v) => (byte)Math.Clamp((int)Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);

    private static Pixels Gradient(int w, int h)
    {
        var p = Pixels.New(w, h, 3);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var i = p.At(x, y);
                double dx = x - w / 2.0, dy = y - h / 2.0;
                p.Data[i] = Clamp(255.0 * x / (w - 1));
                p.Data[i + 1] = Clamp(255.0 * y / (h - 1));
                p.Data[i + 2] = Clamp(255.0 * (dx * dx + dy * dy) / (w * w / 4.0 + h * h / 4.0));
            }
        return p;
    }

    private static Pixels Flat(int w, int h, byte value)
    {
        var p = Pixels.New(w, h, 3);
        Array.Fill(p.Data, value);
        return p;
    }

    // Hard-edged discs and rectangles over a two-tone background, like a drawing or a screenshot.
    private static Pixels Shapes(int w, int h, SplitMix random)
    {
        var p = Pixels.New(w, h, 3);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var i = p.At(x, y);
                p.Data[i] = 30; p.Data[i + 1] = (byte)(y < h / 2 ? 60 : 90); p.Data[i + 2] = 120;
            }
        for (var s = 0; s < 14; s++)
        {
            int cx = random.Next(w), cy = random.Next(h), r = 20 + random.Next(Math.Min(w, h) / 5);
            byte cr = (byte)random.Next(256), cg = (byte)random.Next(256), cb = (byte)random.Next(256);
            var disc = random.Next(2) == 0;
            for (var y = Math.Max(0, cy - r); y < Math.Min(h, cy + r); y++)
                for (var x = Math.Max(0, cx - r); x < Math.Min(w, cx + r); x++)
                {
                    if (disc && (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
                    var i = p.At(x, y);
                    p.Data[i] = cr; p.Data[i + 1] = cg; p.Data[i + 2] = cb;
                }
        }
        return p;
    }

    // 10×10 blocks of random colour with a little per-pixel grain.
    private static Pixels BlockNoise(int w, int h, SplitMix random)
    {
        var p = Pixels.New(w, h, 3);
        int bw = (w + 9) / 10, bh = (h + 9) / 10;
        var blocks = new byte[bw * bh * 3];
        for (var i = 0; i < blocks.Length; i++) blocks[i] = (byte)random.Next(256);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++)
                    p.Data[p.At(x, y) + c] = Clamp(blocks[((y / 10) * bw + x / 10) * 3 + c] + random.Next(17) - 8);
        return p;
    }

    // A page: dark "words" of random length on lines, with margins and paragraph gaps.
    private static Pixels TextLike(int w, int h, SplitMix random)
    {
        var p = Flat(w, h, 245);
        for (var line = 40; line + 14 < h - 40; line += 24)
        {
            if (random.Next(7) == 0) continue;
            var x = 50;
            var end = w - 50 - (random.Next(4) == 0 ? random.Next(w / 2) : 0);
            while (x < end)
            {
                var word = 12 + random.Next(70);
                for (var y = line; y < line + 14; y++)
                    for (var xx = x; xx < Math.Min(x + word, end); xx++)
                    {
                        if (random.Next(5) == 0) continue; // letters are not solid
                        var i = p.At(xx, y);
                        p.Data[i] = 20; p.Data[i + 1] = 20; p.Data[i + 2] = 25;
                    }
                x += word + 8 + random.Next(6);
            }
        }
        return p;
    }

    // Soft blobs (a polynomial bump, (1 - d²/r²)²) added per channel: smooth like a photo's large structures.
    private static Pixels SmoothField(int w, int h, int channels, int blobs, double size, int contrast, SplitMix random)
    {
        var p = Pixels.New(w, h, channels);
        var field = new double[w * h * channels];
        for (var b = 0; b < blobs; b++)
        {
            double cx = random.Next(w), cy = random.Next(h), r = Math.Min(w, h) * size * (0.08 + random.Next(400) / 1000.0);
            var amplitude = new double[channels];
            for (var c = 0; c < channels; c++) amplitude[c] = (random.Next(2001) - 1000) / 1000.0;
            for (var y = (int)Math.Max(0, cy - r); y < Math.Min(h, cy + r); y++)
                for (var x = (int)Math.Max(0, cx - r); x < Math.Min(w, cx + r); x++)
                {
                    var d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
                    if (d2 >= 1) continue;
                    var bump = (1 - d2) * (1 - d2);
                    for (var c = 0; c < channels; c++) field[(y * w + x) * channels + c] += amplitude[c] * bump;
                }
        }
        double min = field.Min(), max = field.Max();
        var scale = max > min ? contrast / (max - min) : 0;
        var offset = 128 - contrast / 2.0;
        for (var i = 0; i < field.Length; i++) p.Data[i] = Clamp(offset + (field[i] - min) * scale);
        return p;
    }

    private static Pixels Half(Pixels s)
    {
        var p = Pixels.New(s.Width / 2, s.Height / 2, s.Channels);
        for (var y = 0; y < p.Height; y++)
            for (var x = 0; x < p.Width; x++)
                for (var c = 0; c < s.Channels; c++)
                    p.Data[p.At(x, y) + c] = (byte)((s.Data[s.At(2 * x, 2 * y) + c] + s.Data[s.At(2 * x + 1, 2 * y) + c]
                        + s.Data[s.At(2 * x, 2 * y + 1) + c] + s.Data[s.At(2 * x + 1, 2 * y + 1) + c] + 2) / 4);
        return p;
    }

    private static Pixels Crop(Pixels s, double fraction)
    {
        int dx = (int)(s.Width * fraction), dy = (int)(s.Height * fraction);
        var p = Pixels.New(s.Width - 2 * dx, s.Height - 2 * dy, s.Channels);
        for (var y = 0; y < p.Height; y++)
            Array.Copy(s.Data, s.At(dx, y + dy), p.Data, p.At(0, y), p.Width * s.Channels);
        return p;
    }

    // Clockwise: the top row becomes the right-hand column.
    private static Pixels Rotate90(Pixels s)
    {
        var p = Pixels.New(s.Height, s.Width, s.Channels);
        for (var y = 0; y < s.Height; y++)
            for (var x = 0; x < s.Width; x++)
                Array.Copy(s.Data, s.At(x, y), p.Data, p.At(s.Height - 1 - y, x), s.Channels);
        return p;
    }

    private static Pixels FlipX(Pixels s)
    {
        var p = Pixels.New(s.Width, s.Height, s.Channels);
        for (var y = 0; y < s.Height; y++)
            for (var x = 0; x < s.Width; x++)
                Array.Copy(s.Data, s.At(x, y), p.Data, p.At(s.Width - 1 - x, y), s.Channels);
        return p;
    }

    private static byte[] Encode(Pixels pixels, string format)
    {
        var info = new SKImageInfo(pixels.Width, pixels.Height,
            pixels.Channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        var data = pixels.Data;
        if (pixels.Channels == 3)
        {
            data = new byte[pixels.Width * pixels.Height * 4];
            for (int i = 0, j = 0; i < pixels.Data.Length; i += 3, j += 4)
            {
                data[j] = pixels.Data[i]; data[j + 1] = pixels.Data[i + 1]; data[j + 2] = pixels.Data[i + 2]; data[j + 3] = 255;
            }
        }
        using var image = SKImage.FromPixelCopy(info, data) ?? throw new InvalidOperationException("Skia refused the pixels");
        using var encoded = format switch
        {
            "png" => image.Encode(SKEncodedImageFormat.Png, 100),
            "jpg90" => image.Encode(SKEncodedImageFormat.Jpeg, 90),
            "jpg50" => image.Encode(SKEncodedImageFormat.Jpeg, 50),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "png, jpg90 or jpg50"),
        };
        return encoded.ToArray();
    }

    // SplitMix64: a fixed, documented generator (System.Random's seeded sequence is not a contract).
    private sealed class SplitMix(ulong seed)
    {
        private ulong state = seed;

        public int Next(int bound)
        {
            state += 0x9E3779B97F4A7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            return (int)(z % (ulong)bound);
        }
    }
}
