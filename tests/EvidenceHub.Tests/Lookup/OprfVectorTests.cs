using System.Text;
using System.Text.Json;
using EvidenceHub.Oprf;

namespace EvidenceHub.Tests.Lookup;

/// The OPRF against the RFCs' own test vectors: no database, no hub.
public sealed class OprfVectorTests
{
    private static JsonElement Vectors(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Lookup", "Vectors", file))).RootElement;

    private static readonly JsonElement Suite = Vectors("oprf_ristretto255-SHA512_mode0.json");

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    public static TheoryData<int> OprfVectors() => [0, 1];

    [Fact]
    public void The_vectors_are_the_ristretto255_SHA512_OPRF_mode_ones()
    {
        Assert.Equal(("ristretto255-SHA512", 0, 2), (Suite.GetProperty("identifier").GetString(), Suite.GetProperty("mode").GetInt32(), Suite.GetProperty("vectors").GetArrayLength()));
        // The context string the RFC derives every tag from: "OPRFV1-" || 0x00 || "-ristretto255-SHA512".
        Assert.Equal(Hex(Suite, "groupDST"), (byte[])[.. "HashToGroup-"u8, .. Ristretto255Oprf.ContextString]);
        Assert.Equal((byte[])[.. "OPRFV1-"u8, 0x00, .. "-ristretto255-SHA512"u8], Ristretto255Oprf.ContextString.ToArray());
    }

    [Fact]
    public void DeriveKeyPair_gives_the_RFC_secret_key_from_seed_and_key_info()
    {
        var key = OprfServerKey.Derive(Hex(Suite, "seed"), Hex(Suite, "keyInfo"));
        Assert.Equal(Convert.ToHexStringLower(Hex(Suite, "skSm")), Convert.ToHexStringLower(key.Secret.ToArray()));
    }

    [Theory]
    [MemberData(nameof(OprfVectors))]
    public void Blind_evaluate_and_finalize_give_the_RFC_values(int index)
    {
        var vector = Suite.GetProperty("vectors")[index];
        var input = Hex(vector, "Input");
        var key = OprfServerKey.Derive(Hex(Suite, "seed"), Hex(Suite, "keyInfo"));

        var blinded = Ristretto255Oprf.Blind(input, Hex(vector, "Blind"));
        Assert.Equal(Convert.ToHexStringLower(Hex(vector, "BlindedElement")), Convert.ToHexStringLower(blinded.Element));
        var evaluated = key.BlindEvaluate(blinded.Element);
        Assert.Equal(Convert.ToHexStringLower(Hex(vector, "EvaluationElement")), Convert.ToHexStringLower(evaluated));
        var output = Ristretto255Oprf.Finalize(input, blinded.Blind, evaluated);
        Assert.Equal(Convert.ToHexStringLower(Hex(vector, "Output")), Convert.ToHexStringLower(output));
        // The hub's own PRF on an input it holds gives the same output, without any blinding.
        Assert.Equal(output, key.Evaluate(input));
    }

    [Fact]
    public void A_random_blind_finalizes_to_the_same_output_as_the_hubs_evaluation()
    {
        var key = OprfServerKey.Derive(new byte[32], OprfKeysInfo);
        var input = Encoding.UTF8.GetBytes("phone:+31612345678");
        var first = Ristretto255Oprf.Blind(input);
        var second = Ristretto255Oprf.Blind(input);
        Assert.NotEqual(first.Element, second.Element); // what the hub sees of one identifier differs every time
        Assert.Equal(key.Evaluate(input), Ristretto255Oprf.Finalize(input, first.Blind, key.BlindEvaluate(first.Element)));
        Assert.Equal(key.Evaluate(input), Ristretto255Oprf.Finalize(input, second.Blind, key.BlindEvaluate(second.Element)));
        Assert.NotEqual(key.Evaluate(input), key.Evaluate(Encoding.UTF8.GetBytes("phone:+31612345679")));
    }

    private static byte[] OprfKeysInfo => Hub.Lookup.OprfKeys.KeyInfo.ToArray();

    public static TheoryData<string, string> BadElements() => new()
    {
        { "", "must be 32 bytes" },
        { "0000000000000000000000000000000000000000000000000000000000000000", "identity" },
        // Not canonical: p = 2^255 - 19 itself, and a field element with the sign bit (odd) set.
        { "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "canonical" },
        { "0100000000000000000000000000000000000000000000000000000000000000", "canonical" },
        { "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "canonical" },
    };

    [Theory]
    [MemberData(nameof(BadElements))]
    public void A_bad_element_is_refused_before_any_evaluation(string hex, string why)
    {
        var element = Convert.FromHexString(hex);
        Assert.Contains(why, Ristretto255Oprf.ElementProblem(element));
        var key = OprfServerKey.Derive(new byte[32], OprfKeysInfo);
        Assert.Throws<OprfException>(() => key.BlindEvaluate(element));
        Assert.Throws<OprfException>(() => Ristretto255Oprf.Finalize("x"u8, Ristretto255Oprf.Blind("x"u8).Blind, element));
    }

    [Fact]
    public void Expand_message_xmd_SHA512_gives_the_RFC_9380_values()
    {
        var suite = Vectors("expand_message_xmd_SHA512_38.json");
        var dst = Encoding.ASCII.GetBytes(suite.GetProperty("DST").GetString()!);
        var tests = suite.GetProperty("tests").EnumerateArray().ToList();
        Assert.Equal(10, tests.Count);
        foreach (var test in tests)
        {
            var length = Convert.ToInt32(test.GetProperty("len_in_bytes").GetString(), 16);
            var uniform = ExpandMessageXmd.Sha512(Encoding.ASCII.GetBytes(test.GetProperty("msg").GetString()!), dst, length);
            Assert.Equal(test.GetProperty("uniform_bytes").GetString(), Convert.ToHexStringLower(uniform));
        }
    }
}
