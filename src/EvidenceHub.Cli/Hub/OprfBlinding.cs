using EvidenceHub.Contracts.V1;
using EvidenceHub.Oprf;
using Google.Protobuf;
using Grpc.Core;

namespace EvidenceHub.Cli.Hub;

/// Blind tokens without a shared key (RFC 9497 OPRF): each canonical key is blinded here, the hub evaluates the
/// blinded elements under its OPRF key without learning the keys, and the results are finalized here into tokens
/// "oprf1:<key id>:<output>". The hub's key never reaches this machine, and what the hub sees differs every time.
public static class OprfBlinding
{
    /// Kept below the hub's default Lookup:MaxBlindedElementsPerCall (1000).
    public const int ElementsPerCall = 256;

    public static async Task<List<string>> Tokens(HubConnection hub, IReadOnlyList<string> identifierKeys, Justification justification, CancellationToken cancellation)
    {
        var tokens = new List<string>(identifierKeys.Count);
        foreach (var chunk in identifierKeys.Chunk(ElementsPerCall))
        {
            var inputs = chunk.Select(OprfToken.Input).ToList();
            var blinded = inputs.Select(input => Ristretto255Oprf.Blind(input)).ToList();
            var request = new EvaluateBlindedRequest { Justification = justification };
            request.BlindedElements.AddRange(blinded.Select(b => ByteString.CopyFrom(b.Element)));
            var reply = await hub.Lookups.EvaluateBlindedAsync(request, deadline: hub.Deadline, cancellationToken: cancellation);
            if (reply.EvaluatedElements.Count != chunk.Length) throw Broken($"it evaluated {reply.EvaluatedElements.Count} of {chunk.Length} blinded elements");
            for (var i = 0; i < chunk.Length; i++)
            {
                try { tokens.Add(OprfToken.Format(reply.KeyId, Ristretto255Oprf.Finalize(inputs[i], blinded[i].Blind, reply.EvaluatedElements[i].Span))); }
                catch (OprfException e) { throw Broken(e.Message); }
            }
        }
        return tokens;
    }

    private static RpcException Broken(string why) => new(new Grpc.Core.Status(StatusCode.DataLoss, $"the hub's OPRF answer is unusable: {why}"));
}
