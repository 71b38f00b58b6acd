using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvidenceHub.Hub.Erasure;

/// A personal field as stored in an event or a document: its ciphertext under the data key of one subject (a victim
/// link, or one case's holding of an identifier). Erasing the subject destroys the key; the ciphertext stays, so every
/// hash the audit log took of the stored event stays true, and the value can never be read again.
[JsonConverter(typeof(SealedJsonConverter))]
public sealed record Sealed(Guid Subject, string Ciphertext)
{
    /// What replay, as-of and GetCase show for a field whose subject was erased.
    public const string ErasedPlaceholder = "[erased]";

    /// A text an event stored before the field was sealed (a JSON string where a sealed object is now): it reads as it
    /// was written. Also a request's text on its way to being sealed (SharingPolicy.HandlingRestrictions); nothing new is
    /// ever stored plain.
    public static Sealed Plain(string text) => new(Guid.Empty, text);

    public bool IsPlain => Subject == Guid.Empty;

    /// The plaintext under the ring's key, or the placeholder when the subject's key is gone.
    public string Open(SubjectKeyRing keys, string field) =>
        IsPlain ? Ciphertext : keys.TryGet(Subject, out var key) ? SubjectCipher.Open(this, key, field) : ErasedPlaceholder;

    public bool IsErased(SubjectKeyRing keys) => !IsPlain && !keys.Contains(Subject);
}

/// {"Subject", "Ciphertext"} as System.Text.Json writes a record, and a plain JSON string both ways (Sealed.Plain), so
/// that events stored before a text was sealed still read.
public sealed class SealedJsonConverter : JsonConverter<Sealed>
{
    public override Sealed Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return Sealed.Plain(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"A sealed value is an object or a string, not {reader.TokenType}.");
        Guid? subject = null;
        string? ciphertext = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case nameof(Sealed.Subject): subject = reader.GetGuid(); break;
                case nameof(Sealed.Ciphertext): ciphertext = reader.GetString(); break;
                default: reader.Skip(); break;
            }
        }
        return subject is { } id && ciphertext is not null ? new Sealed(id, ciphertext) : throw new JsonException("A sealed value needs Subject and Ciphertext.");
    }

    public override void Write(Utf8JsonWriter writer, Sealed value, JsonSerializerOptions options)
    {
        if (value.IsPlain)
        {
            writer.WriteStringValue(value.Ciphertext);
            return;
        }
        writer.WriteStartObject();
        writer.WriteString(nameof(Sealed.Subject), value.Subject);
        writer.WriteString(nameof(Sealed.Ciphertext), value.Ciphertext);
        writer.WriteEndObject();
    }
}
