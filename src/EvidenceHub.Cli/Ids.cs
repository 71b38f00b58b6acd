using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Cli;

/// Ids the client derives instead of inventing, so that running the same thing twice names the same case and sends the
/// same commands, which the hub then answers as replays instead of doing twice.
public static class Ids
{
    /// The namespace of EvidenceHub's name-based UUIDs (RFC 9562 version 5).
    private static readonly Guid Namespace = new("8a6f0c5e-3b1d-5f4e-9c2a-7d1e0b4f6a93");

    /// The case id a unit's client uses for its case reference: the same reference always names the same case.
    public static Guid CaseId(string unit, string reference) => NameBased($"case/{unit}/{reference.Trim()}");

    /// A command id from the parts that make a command what it is (e.g. the unit, the case and a row's content).
    public static string CommandId(string scope, params string?[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts.Select(p => p ?? ""))));
        return $"{scope}:{Convert.ToBase64String(hash, 0, 18).Replace('+', '-').Replace('/', '_')}";
    }

    public static string NewCommandId() => "cli:" + Guid.NewGuid().ToString("N");

    public static Guid NameBased(string name)
    {
        Span<byte> bytes = stackalloc byte[16];
        Namespace.TryWriteBytes(bytes, bigEndian: true, out _);
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        bytes.CopyTo(input);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
