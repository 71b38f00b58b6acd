namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// Native segwit addresses: Bech32 (BIP-173) for witness version 0, Bech32m (BIP-350) for versions 1 to 16.
internal static class SegwitAddress
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private const uint Bech32Constant = 1;
    private const uint Bech32mConstant = 0x2bc830a3;
    private const int MaxLength = 90;

    /// Null when the address is a valid segwit address for the human-readable part; otherwise what is wrong with it.
    public static string? Problem(string address, string expectedHrp)
    {
        if (address.Length > MaxLength) return $"a segwit address is at most {MaxLength} characters";
        if (address.Any(char.IsAsciiLetterLower) && address.Any(char.IsAsciiLetterUpper)) return "a segwit address is all lower-case or all upper-case, not mixed";

        var text = address.ToLowerInvariant();
        var separator = text.LastIndexOf('1');
        if (separator < 1 || separator + 7 > text.Length) return "a segwit address has a prefix, the separator '1' and at least a six-character checksum";
        if (text[..separator] != expectedHrp) return $"a segwit address here starts with '{expectedHrp}1'";

        var data = new byte[text.Length - separator - 1];
        for (var i = 0; i < data.Length; i++)
        {
            var value = Charset.IndexOf(text[separator + 1 + i]);
            if (value < 0) return "a segwit address contains a character outside the Bech32 alphabet (no 'b', 'i', 'o' or '1' after the separator)";
            data[i] = (byte)value;
        }

        var constant = Polymod([.. ExpandHrp(expectedHrp), .. data]);
        if (constant != Bech32Constant && constant != Bech32mConstant) return "the segwit address checksum does not match: probably a mistyped character";

        var words = data[..^6];
        if (words.Length == 0) return "the segwit address has no witness program";
        var version = words[0];
        if (version > 16) return "the segwit address has an unknown witness version";
        var program = ConvertBits(words[1..]);
        if (program is null || program.Length is < 2 or > 40) return "the segwit address has a witness program of invalid length";
        if (version == 0 && program.Length is not (20 or 32)) return "a version-0 segwit address has a 20- or 32-byte witness program";
        if (version == 0 && constant != Bech32Constant) return "a version-0 segwit address uses the Bech32 checksum, not Bech32m";
        if (version != 0 && constant != Bech32mConstant) return "a version-1+ segwit address (e.g. taproot 'bc1p…') uses the Bech32m checksum";
        return null;
    }

    private static uint Polymod(byte[] values)
    {
        uint[] generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
        uint checksum = 1;
        foreach (var value in values)
        {
            var top = checksum >> 25;
            checksum = ((checksum & 0x1ffffff) << 5) ^ value;
            for (var i = 0; i < 5; i++)
                if (((top >> i) & 1) != 0) checksum ^= generator[i];
        }
        return checksum;
    }

    private static byte[] ExpandHrp(string hrp) =>
        [.. hrp.Select(c => (byte)(c >> 5)), 0, .. hrp.Select(c => (byte)(c & 31))];

    /// 5-bit groups back to bytes; null when the padding is not the zero padding an encoder writes.
    private static byte[]? ConvertBits(byte[] words)
    {
        var result = new List<byte>();
        int accumulator = 0, bits = 0;
        foreach (var word in words)
        {
            accumulator = ((accumulator << 5) | word) & 0xfff;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                result.Add((byte)((accumulator >> bits) & 0xff));
            }
        }
        if (bits >= 5 || ((accumulator << (8 - bits)) & 0xff) != 0) return null;
        return [.. result];
    }
}
