using System.Text.Json;
using EvidenceHub.Hub.Erasure;

namespace EvidenceHub.Tests.Erasure;

/// The cipher and the sealed value, without a database.
public sealed class SubjectCipherTests
{
    private static readonly Guid Subject = Guid.CreateVersion7();

    [Fact]
    public void A_sealed_value_opens_under_its_key_subject_and_field()
    {
        var key = SubjectCipher.NewKey();
        var sealedValue = SubjectCipher.Seal(Subject, key, "raw_value", "@Luna.Vibes_2291");
        Assert.Equal("@Luna.Vibes_2291", SubjectCipher.Open(sealedValue, key, "raw_value"));
        Assert.DoesNotContain("Luna", sealedValue.Ciphertext);
    }

    [Fact]
    public void It_does_not_open_under_another_key_subject_or_field_nor_when_altered()
    {
        var key = SubjectCipher.NewKey();
        var sealedValue = SubjectCipher.Seal(Subject, key, "raw_value", "06-24681357");
        Assert.Throws<SealedValueDamaged>(() => SubjectCipher.Open(sealedValue, SubjectCipher.NewKey(), "raw_value"));
        Assert.Throws<SealedValueDamaged>(() => SubjectCipher.Open(sealedValue with { Subject = Guid.CreateVersion7() }, key, "raw_value"));
        Assert.Throws<SealedValueDamaged>(() => SubjectCipher.Open(sealedValue, key, "canonical_value"));
        var bytes = Convert.FromBase64String(sealedValue.Ciphertext);
        bytes[20] ^= 1;
        Assert.Throws<SealedValueDamaged>(() => SubjectCipher.Open(sealedValue with { Ciphertext = Convert.ToBase64String(bytes) }, key, "raw_value"));
        bytes[20] ^= 1;
        bytes[0] = 2;
        Assert.Throws<SealedValueDamaged>(() => SubjectCipher.Open(sealedValue with { Ciphertext = Convert.ToBase64String(bytes) }, key, "raw_value"));
        Assert.Throws<SealedValueDamaged>(() => SubjectCipher.Open(sealedValue with { Ciphertext = "not base64!" }, key, "raw_value"));
    }

    [Fact]
    public void Sealing_twice_gives_different_ciphertexts_of_a_padded_length()
    {
        var key = SubjectCipher.NewKey();
        var first = SubjectCipher.Seal(Subject, key, "f", "+31612345678");
        var second = SubjectCipher.Seal(Subject, key, "f", "+31612345678");
        var longer = SubjectCipher.Seal(Subject, key, "f", "someone.long@example.org");
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
        Assert.Equal(first.Ciphertext.Length, longer.Ciphertext.Length);
        Assert.Equal("", SubjectCipher.Open(SubjectCipher.Seal(Subject, key, "f", ""), key, "f"));
        var unicode = "Zoë 😀 " + new string('x', 100);
        Assert.Equal(unicode, SubjectCipher.Open(SubjectCipher.Seal(Subject, key, "f", unicode), key, "f"));
    }

    [Fact]
    public void A_sealed_value_round_trips_through_json_and_shows_the_placeholder_once_its_key_is_gone()
    {
        var ring = new SubjectKeyRing();
        var subject = ring.NewSubject(Guid.NewGuid(), SubjectKind.VictimLink);
        var sealedValue = ring.Seal(subject, "victim_reference", "V-0412-01");
        var json = JsonSerializer.Serialize(sealedValue);
        Assert.DoesNotContain("V-0412-01", json);
        var read = JsonSerializer.Deserialize<Sealed>(json)!;
        Assert.Equal("V-0412-01", read.Open(ring, "victim_reference"));

        var created = Assert.Single(ring.TakeCreated());
        Assert.Empty(ring.TakeCreated());
        var afterErasure = new SubjectKeyRing([]);
        Assert.True(read.IsErased(afterErasure));
        Assert.Equal(Sealed.ErasedPlaceholder, read.Open(afterErasure, "victim_reference"));
        Assert.Equal("V-0412-01", read.Open(new SubjectKeyRing([created]), "victim_reference"));
    }

    [Fact]
    public void A_pseudonym_is_the_same_for_the_same_key_and_secret_only()
    {
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var pseudonyms = new IdentifierPseudonym(secret);
        var phone = pseudonyms.Of("phone:+31612345678");
        Assert.Equal(phone, new IdentifierPseudonym(secret).Of("phone:+31612345678"));
        Assert.NotEqual(phone, pseudonyms.Of("phone:+31612345679"));
        Assert.NotEqual(phone, new IdentifierPseudonym(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).Of("phone:+31612345678"));
        Assert.StartsWith(IdentifierPseudonym.Prefix, phone);
        Assert.DoesNotContain("31612345678", phone);
        Assert.Throws<ArgumentException>(() => new IdentifierPseudonym(new byte[16]));
    }

    [Fact]
    public void A_text_stored_plain_before_it_was_sealed_reads_as_written_and_is_written_back_plain()
    {
        var read = JsonSerializer.Deserialize<Holder>("""{"Reason":"typo in the address","None":null}""")!;
        Assert.Equal((true, "typo in the address", false), (read.Reason!.IsPlain, read.Reason.Open(new SubjectKeyRing(), "Reason"), read.Reason.IsErased(new SubjectKeyRing())));
        Assert.Null(read.None);
        Assert.Equal("""{"Reason":"typo in the address","None":null}""", JsonSerializer.Serialize(read));
        // SealedJson leaves it as it is; a sealed one beside it opens.
        var key = SubjectCipher.NewKey();
        var stored = JsonSerializer.Serialize(new Holder(Sealed.Plain("old text"), SubjectCipher.Seal(Subject, key, "None", "new text")));
        Assert.Equal("""{"Reason":"old text","None":"new text"}""", SealedJson.Opened(stored, new SubjectKeyRing([new SubjectKey(Subject, Guid.Empty, SubjectKind.Case, key)])));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("""{"Reason":42}"""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("""{"Reason":{"Subject":"00000000-0000-0000-0000-000000000001"}}"""));
    }

    private sealed record Holder(Sealed? Reason, Sealed? None);
}
