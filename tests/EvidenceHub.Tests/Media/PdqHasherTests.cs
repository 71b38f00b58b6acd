using EvidenceHub.Media.Pdq;
using EvidenceHub.Media.Samples;
using SkiaSharp;

namespace EvidenceHub.Tests.Media;

public class PdqHasherTests
{
    [Fact]
    public void An_image_smaller_than_5_by_5_hashes_to_zero_with_quality_0_as_in_the_reference()
    {
        var result = PdqHasher.Hash(new MemoryStream(Png(4, 40)));

        Assert.Equal(PdqHash.Zero, result.Hash);
        Assert.Equal(0, result.Quality);
    }

    [Fact]
    public void Bytes_that_are_no_image_are_refused_as_invalid_data()
    {
        var error = Assert.Throws<InvalidDataException>(() => PdqHasher.Hash(new MemoryStream("not an image"u8.ToArray())));

        Assert.Contains("not an image", error.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_as_invalid_data()
    {
        var jpeg = PdqReference.Image("photo-q90.jpg").Bytes;

        Assert.Throws<InvalidDataException>(() => PdqHasher.Hash(new MemoryStream(jpeg[..(jpeg.Length / 2)])));
        var png = PdqReference.Image("photo.png").Bytes;
        Assert.Throws<InvalidDataException>(() => PdqHasher.Hash(new MemoryStream(png[..(png.Length / 2)])));
    }

    [Fact]
    public void An_image_over_the_pixel_limit_is_refused_before_decoding()
    {
        var png = PdqReference.Image("photo.png").Bytes; // 1024 × 768

        var error = Assert.Throws<InvalidDataException>(() => PdqHasher.Hash(new MemoryStream(png), maxPixels: 1024 * 767));

        Assert.Contains("1024×768", error.Message);
        Assert.Equal(PdqReference.Get("photo.png").Hash, PdqHasher.Hash(new MemoryStream(png), maxPixels: 1024 * 768).Hash.ToString());
    }

    [Fact]
    public void A_path_and_its_stream_hash_alike()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pdq-{Guid.NewGuid():n}.png");
        File.WriteAllBytes(path, PdqReference.Image("shapes.png").Bytes);
        try
        {
            Assert.Equal(PdqReference.Get("shapes.png").Hash, PdqHasher.Hash(path).Hash.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_generator_makes_the_same_files_twice()
    {
        var first = SyntheticImages.All(SyntheticImages.DefaultSeed);
        var second = SyntheticImages.All(SyntheticImages.DefaultSeed);

        Assert.Equal(first.Select(i => i.Bytes), second.Select(i => i.Bytes));
        Assert.NotEqual(first.Select(i => i.Bytes), SyntheticImages.All(SyntheticImages.DefaultSeed + 1).Select(i => i.Bytes));
    }

    private static byte[] Png(int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = Enumerable.Range(0, width * height).Select(i => (byte)(i * 37)).ToArray();
        using var image = SKImage.FromPixelCopy(info, pixels);
        using var encoded = image.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }
}
