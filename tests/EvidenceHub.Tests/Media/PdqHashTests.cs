using EvidenceHub.Media.Pdq;

namespace EvidenceHub.Tests.Media;

public class PdqHashTests
{
    private const string Photo = "827358ff63428cf83b1d240645efa4063cb525c1fc3b66669287996c6eb65b33";

    [Fact]
    public void Parse_and_ToString_round_trip_in_Metas_lower_case_form()
    {
        Assert.Equal(Photo, PdqHash.Parse(Photo).ToString());
        Assert.Equal(Photo, PdqHash.Parse(Photo.ToUpperInvariant()).ToString());
    }

    [Theory]
    [InlineData(0, "0000000000000000000000000000000000000000000000000000000000000001")]
    [InlineData(17, "0000000000000000000000000000000000000000000000000000000000020000")]
    [InlineData(255, "8000000000000000000000000000000000000000000000000000000000000000")]
    public void Bit_k_is_bit_k_of_the_hex_number_as_in_the_reference(int bit, string hex)
    {
        Span<bool> bits = stackalloc bool[256];
        bits[bit] = true;

        var hash = PdqHash.FromBits(bits);

        Assert.Equal(hex, hash.ToString());
        Assert.True(PdqHash.Parse(hex)[bit]);
        Assert.Equal(1, hash.DistanceTo(PdqHash.Zero));
    }

    [Fact]
    public void Distance_counts_differing_bits()
    {
        var a = PdqHash.Parse(Photo);
        var complement = PdqHash.Parse(string.Concat(Photo.Select(c => "fedcba9876543210"[Convert.ToInt32(c.ToString(), 16)])));

        Assert.Equal(0, a.DistanceTo(a));
        Assert.Equal(256, a.DistanceTo(complement));
        Assert.Equal(PdqHash.Distance(a, PdqHash.Zero), PdqHash.Distance(PdqHash.Zero, a));
    }

    [Theory]
    [InlineData(null, "got nothing")]
    [InlineData("", "got nothing")]
    [InlineData("827358ff", "got 8 characters")]
    [InlineData("827358ff63428cf83b1d240645efa4063cb525c1fc3b66669287996c6eb65b331", "got 65 characters")]
    [InlineData("g27358ff63428cf83b1d240645efa4063cb525c1fc3b66669287996c6eb65b33", "character 1 is not one")]
    [InlineData("827358ff63428cf83b1d240645efa4063cb525c1fc3b66669287996c6eb65b3 ", "character 64 is not one")]
    [InlineData("+27358ff63428cf83b1d240645efa4063cb525c1fc3b66669287996c6eb65b33", "character 1 is not one")]
    public void Parse_names_what_is_wrong(string? text, string message)
    {
        var error = Assert.Throws<FormatException>(() => PdqHash.Parse(text!));

        Assert.Contains(message, error.Message);
        Assert.False(PdqHash.TryParse(text, out _));
    }
}
