using EvidenceHub.Media.NearMatch;

namespace EvidenceHub.Tests.Media;

/// Hex in Meta's order: its 16-bit word 15 first, word 0 (bits 0..15) last.
public class Hash256Tests
{
    [Fact]
    public void The_last_hex_digits_are_bits_0_to_15()
    {
        var hash = Hash256.Parse(new string('0', 60) + "8001");

        Assert.Equal(new Hash256(0x8001, 0, 0, 0), hash);
        Assert.Equal(0x8001, hash.Chunk(0));
        Assert.True(hash.Bit(0));
        Assert.True(hash.Bit(15));
        Assert.False(hash.Bit(16));
    }

    [Fact]
    public void The_first_hex_digit_holds_bit_255_in_word_15()
    {
        var hash = Hash256.Parse("f" + new string('0', 63));

        Assert.Equal(0xf000, hash.Chunk(15));
        Assert.True(hash.Bit(255));
        Assert.Equal(0xf000_0000_0000_0000UL, hash.W3);
    }

    [Fact]
    public void Hex_round_trips_in_lower_case()
    {
        const string hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        Assert.Equal(hex, Hash256.Parse(hex.ToUpperInvariant()).ToHex());
    }

    [Theory]
    [InlineData("")]
    [InlineData("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2")]
    [InlineData("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b222")]
    [InlineData("g8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")]
    [InlineData("f8f8f0cee0f4a84f 6370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")]
    [InlineData("+8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")]
    public void Anything_but_64_hex_digits_is_refused(string text)
    {
        Assert.False(Hash256.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Hash256.Parse(text));
    }

    [Fact]
    public void Distance_counts_the_differing_bits()
    {
        var a = Hash256.Random(new Random(1));
        var b = a.FlipBit(0).FlipBit(100).FlipBit(255);

        Assert.Equal(3, a.DistanceTo(b));
        Assert.Equal(0, a.DistanceTo(a));
        Assert.Equal(256, a.DistanceTo(a.Xor(new Hash256(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue))));
    }
}
