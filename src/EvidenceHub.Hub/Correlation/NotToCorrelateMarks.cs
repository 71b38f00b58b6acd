using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Store;
using Google.Protobuf;
using Marten;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Correlation;

/// A unit's list of values not to correlate on, kept as events of each identifier's stream.
public sealed class NotToCorrelateMarks(IDocumentStore store, IOptions<CorrelationOptions> options)
{
    public async Task<MarkNotToCorrelateResult> Mark(Caller caller, MarkNotToCorrelateRequest request, string correlationId, CancellationToken cancellation)
    {
        var commandId = Fields.CommandId(request.CommandId);
        var canonical = IdentifierRequests.Canonicalize(IdentifierRequests.RawOf(request.Identifier), caller.Country);
        var reason = Fields.RequiredText(request.Reason, "reason", Fields.MaxReasonLength);
        var receiptId = CommandReceipt.IdFor(caller.UnitId, commandId);
        var fingerprint = CommandReceipt.FingerprintOf(request);

        await using var session = store.SessionFor(caller, correlationId);
        session.CausationId = commandId;
        // Under the identifier's lock, so that racing retries of this command find each other's receipt.
        await session.BeginTransactionAsync(cancellation);
        var index = await IdentifierIndex.LockAndLoad(session, [canonical.Key], options.Value, [], cancellation);
        if (await session.LoadAsync<CommandReceipt>(receiptId, cancellation) is { } earlier)
        {
            var replayed = earlier.Replay(MarkNotToCorrelateResult.Parser, fingerprint, commandId);
            replayed.Replayed = true;
            return replayed;
        }
        if (!index.NotToCorrelateBy(canonical.Key).Contains(caller.UnitId))
            session.Events.Append(IdentifierCorrelations.StreamIdFor(canonical.Key),
                new IdentifierMarkedNotToCorrelate(canonical.Key, caller.UnitId, reason));
        var result = new MarkNotToCorrelateResult { IdentifierKey = canonical.Key };
        session.Insert(new CommandReceipt { Id = receiptId, Fingerprint = fingerprint, Result = result.ToByteArray() });
        await session.SaveChangesAsync(cancellation);
        return result;
    }
}
