using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EvidenceHub.Tests.Robustness;

/// Calls that put raw bytes on the wire as the request, to send what no generated client would: garbage, truncated
/// messages, invalid UTF-8.
public static class RawCalls
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private static Method<byte[], TResponse> Method<TResponse>(MethodType type, string service, string name) where TResponse : class, IMessage<TResponse>, new() =>
        new(type, service, name, Bytes, Marshallers.Create(r => r.ToByteArray(), b => new MessageParser<TResponse>(() => new TResponse()).ParseFrom(b)));

    public static Task<TResponse> Unary<TResponse>(GrpcChannel channel, string service, string name, byte[] request, Metadata? headers = null) where TResponse : class, IMessage<TResponse>, new() =>
        channel.CreateCallInvoker().AsyncUnaryCall(Method<TResponse>(MethodType.Unary, service, name), null, new CallOptions(headers), request).ResponseAsync;

    public static AsyncDuplexStreamingCall<byte[], TResponse> Duplex<TResponse>(GrpcChannel channel, string service, string name, Metadata? headers = null) where TResponse : class, IMessage<TResponse>, new() =>
        channel.CreateCallInvoker().AsyncDuplexStreamingCall(Method<TResponse>(MethodType.DuplexStreaming, service, name), null, new CallOptions(headers));

    /// A length-delimited field (string, bytes or message) with the given content.
    public static byte[] Field(int number, byte[] content)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(content));
        output.Flush();
        return buffer.ToArray();
    }

    public static readonly byte[] InvalidUtf8 = [0xff, 0xfe, 0x41];
}
