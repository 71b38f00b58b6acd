using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Tests.Fuzz;

/// Requests built from the proto descriptors: a plausible sample of any request type, and the ways to spoil one
/// field of it (empty, too long, out-of-range numbers and enums, invalid well-known types) or its bytes on the wire
/// (invalid UTF-8, truncated, garbage).
public sealed class MalformedMessages(string caseId)
{
    public const int FieldMutations = 12;
    public const int WireMutations = 4;

    /// A request of the type whose fields are filled as a well-behaved client would fill them.
    public IMessage Sample(MessageDescriptor descriptor, int depth = 0)
    {
        var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.RealContainingOneof is { } oneof && oneof.Fields[0] != field) continue;
            if (field.IsRepeated || field.HasPresence && field.FieldType != FieldType.Message && field.RealContainingOneof is null) continue;
            var value = SampleValue(descriptor, field, depth);
            if (value is not null) field.Accessor.SetValue(message, value);
        }
        return message;
    }

    private object? SampleValue(MessageDescriptor owner, FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.String => field.Name switch
        {
            "command_id" or "handoff_id" => Guid.NewGuid().ToString(),
            "case_id" when owner.Name == "OpenCaseRequest" => Guid.NewGuid().ToString(),
            "case_id" => caseId,
            "country" => "NL",
            "value" => $"fuzz-{Guid.NewGuid():N}@example.com",
            "target_unit" => "BE-FCCU",
            "victim_reference" => "V-" + Guid.NewGuid().ToString("N")[..8],
            "reference" => "REF-" + Guid.NewGuid().ToString("N")[..10],
            "purpose" or "justification" or "reason" => "fuzz",
            _ => null,
        },
        FieldType.Enum => field.Name == "kind"
            ? field.EnumType.FindValueByName("IDENTIFIER_KIND_EMAIL_ADDRESS")?.Number ?? 1
            : field.EnumType.Values.Count > 1 ? field.EnumType.Values[1].Number : 0,
        FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
        FieldType.Message when field.MessageType.FullName == "google.type.Date" => new Google.Type.Date { Year = 2025, Month = 1, Day = 15 },
        FieldType.Message when depth < 4 => Sample(field.MessageType, depth + 1),
        _ => null,
    };

    /// Every field of the message and its sub-messages, as (owner, field) pairs, so a mutation can pick one.
    public static List<(IMessage Owner, FieldDescriptor Field)> FieldsOf(IMessage message)
    {
        var all = new List<(IMessage, FieldDescriptor)>();
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            all.Add((message, field));
            if (field.FieldType == FieldType.Message && !field.IsRepeated && field.Accessor.GetValue(message) is IMessage inner
                && inner.Descriptor.FullName is not ("google.protobuf.Timestamp" or "google.type.Date"))
                all.AddRange(FieldsOf(inner));
        }
        return all;
    }

    /// Spoils one field of the message in place: which field and how are chosen by the two numbers.
    public static string Mutate(IMessage message, int fieldChoice, int how)
    {
        var fields = FieldsOf(message);
        if (fields.Count == 0) return "no fields";
        var (owner, field) = fields[fieldChoice % fields.Count];
        var name = $"{owner.Descriptor.Name}.{field.Name}";
        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(owner);
            var element = field.FieldType switch
            {
                FieldType.String => (object)(how % 2 == 0 ? "" : new string('r', 500)),
                FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, how % 2 == 0 ? 0 : 77),
                FieldType.Message => Activator.CreateInstance(field.MessageType.ClrType)!,
                FieldType.Bytes => ByteString.CopyFrom(new byte[how % 2 == 0 ? 0 : 10_000]),
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => -1,
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => -1L,
                _ => null,
            };
            if (element is null) return name + ": left alone";
            for (var i = 0; i < (how % 3 == 0 ? 2000 : 1); i++) list.Add(element);
            return $"{name}: {(how % 3 == 0 ? 2000 : 1)} odd elements";
        }
        object? value = field.FieldType switch
        {
            FieldType.String => (how % FieldMutations) switch
            {
                0 => "",
                1 => new string('x', 100_000),
                2 => "nul\u0000inside",
                3 => "line\nbreak",
                4 => "   ",
                5 => "\u202e\u200b",
                6 => "not-a-uuid",
                7 => "00000000-0000-0000-0000-000000000000",
                8 => Guid.NewGuid().ToString(),
                9 => "\ud800",
                10 => "+31 6 1234 5678",
                _ => "x",
            },
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (how % 4) switch { 0 => 0, 1 => -1, 2 => int.MinValue, _ => int.MaxValue },
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (how % 4) switch { 0 => 0L, 1 => -1L, 2 => long.MinValue, _ => long.MaxValue },
            FieldType.UInt32 or FieldType.Fixed32 => (how % 2) == 0 ? 0u : uint.MaxValue,
            FieldType.UInt64 or FieldType.Fixed64 => (how % 2) == 0 ? 0ul : ulong.MaxValue,
            FieldType.Bool => how % 2 == 0,
            FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, (how % 3) switch { 0 => 0, 1 => 99, _ => -1 }),
            FieldType.Bytes => ByteString.CopyFrom(new byte[(how % 2) * 100_000]),
            FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName => (how % 5) switch
            {
                0 => new Timestamp { Seconds = 1_000_000_000_000 },
                1 => new Timestamp { Seconds = 1_700_000_000, Nanos = -5 },
                2 => new Timestamp { Seconds = 1_700_000_000, Nanos = 1_000_000_000 },
                3 => new Timestamp { Seconds = long.MinValue },
                _ => null,
            },
            FieldType.Message when field.MessageType.FullName == "google.type.Date" => (how % 5) switch
            {
                0 => new Google.Type.Date { Year = 10000, Month = 1, Day = 1 },
                1 => new Google.Type.Date { Year = 2025, Month = 13, Day = 1 },
                2 => new Google.Type.Date { Year = 2025, Month = 2, Day = 30 },
                3 => new Google.Type.Date { Year = -5, Month = -1, Day = -1 },
                _ => null,
            },
            FieldType.Message => how % 2 == 0 ? null : Activator.CreateInstance(field.MessageType.ClrType),
            _ => null,
        };
        if (value is null && field.FieldType != FieldType.Message) return name + ": left alone";
        if (value is null) field.Accessor.Clear(owner);
        else field.Accessor.SetValue(owner, value);
        return $"{name}: {Describe(value)}";
    }

    /// Spoils the bytes: invalid UTF-8 in a string field, truncation, garbage, a flipped byte.
    public static (byte[] Bytes, string What) MutateWire(IMessage message, int how, int at)
    {
        var bytes = message.ToByteArray();
        switch (how % WireMutations)
        {
            case 0:
                var strings = FieldsOf(message).Where(f => f.Owner == message && f.Field.FieldType == FieldType.String).ToList();
                var number = strings.Count == 0 ? 1 : strings[at % strings.Count].Field.FieldNumber;
                return ([.. bytes, .. Robustness.RawCalls.Field(number, Robustness.RawCalls.InvalidUtf8)], $"invalid UTF-8 in field {number}");
            case 1 when bytes.Length > 1:
                return (bytes[..(at % (bytes.Length - 1) + 1)], "truncated");
            case 2:
                var garbage = new byte[at % 16 + 1];
                new Random(at).NextBytes(garbage);
                return (garbage, $"garbage {Convert.ToHexString(garbage)}");
            default:
                if (bytes.Length == 0) return ([0x0a, 0xff], "garbage 0a ff");
                var flipped = (byte[])bytes.Clone();
                flipped[at % flipped.Length] ^= 0xff;
                return (flipped, "a flipped byte");
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "cleared",
        string { Length: > 20 } s => $"{s.Length} characters",
        string s => $"\"{s.Replace("\n", "\\n").Replace("\u0000", "\\0")}\"",
        ByteString b => $"{b.Length} bytes",
        _ => value.ToString() ?? "",
    };
}
