using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EvidenceHub.Hub.Errors;

/// Request items that could not be decoded, and why; and the walk over the wire bytes that names the field at fault.
public static class Undecodable
{
    private static readonly ConditionalWeakTable<object, Rejection> Marked = new();

    public static void Mark(object request, Rejection rejection) => Marked.AddOrUpdate(request, rejection);

    /// The rejection of an item that arrived undecodable, or null for a decoded one.
    public static Rejection? Of(object request) => Marked.TryGetValue(request, out var rejection) ? rejection : null;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Rejection Explain(Type messageType, ReadOnlySequence<byte> payload)
    {
        var descriptor = (Activator.CreateInstance(messageType) as IMessage)?.Descriptor;
        var (field, problem) = descriptor is null ? ("", "") : Walk(descriptor, payload.ToArray(), "");
        if (problem.Length == 0) problem = "is not a valid message";
        return Rejection.InvalidArgument(field.Length == 0 ? "(message)" : field, $"{problem}: the request could not be decoded as {descriptor?.FullName ?? messageType.Name}");
    }

    /// Reads the message's fields and returns the first that does not decode; ("", …) when the fault is not in one field.
    private static (string Field, string Problem) Walk(MessageDescriptor descriptor, byte[] bytes, string path)
    {
        var input = new CodedInputStream(bytes);
        string current = path;
        try
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
                current = field is null ? path : Join(path, field.Name);
                if (field is not null && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    var content = input.ReadBytes().ToByteArray();
                    if (field.FieldType == FieldType.String)
                    {
                        try { StrictUtf8.GetString(content); }
                        catch (DecoderFallbackException) { return (current, "is not valid UTF-8"); }
                    }
                    else if (field.FieldType == FieldType.Message)
                    {
                        var inner = Walk(field.MessageType, content, current);
                        if (inner.Field.Length > 0 || inner.Problem != "") return inner;
                    }
                }
                else input.SkipLastField();
            }
            return ("", "");
        }
        catch (InvalidProtocolBufferException)
        {
            return (current, "is truncated or malformed");
        }
    }

    private static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";
}
