using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Cli;

/// Command ids the client derives instead of inventing, so that running the same thing twice sends the same commands,
/// which the hub then answers as replays instead of doing twice. Case ids are never derived: the hub assigns them
/// (random, so that no other unit can predict one and claim it first), and the client names its cases by reference.
public static class Ids
{
    /// A command id from the parts that make a command what it is (e.g. the unit, the case and a row's content).
    public static string CommandId(string scope, params string?[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts.Select(p => p ?? ""))));
        return $"{scope}:{Convert.ToBase64String(hash, 0, 18).Replace('+', '-').Replace('/', '_')}";
    }

    public static string NewCommandId() => "cli:" + Guid.NewGuid().ToString("N");
}
