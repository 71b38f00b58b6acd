using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Store;
using Marten;

namespace EvidenceHub.Hub.Takedown;

/// The requesting unit withdraws its open takedown request, with a reason for the provider (sealed like every text of
/// the case). The provider is told on its feed and notified no more; the case's stream does not change.
public sealed record WithdrawTakedownRequest(Guid RequestId, string Reason) : SealsCaseText
{
    /// The request as it stands, read under its stream's row lock (Prepared); null when there is none.
    public TakedownRecord? Current { get; init; }
    public bool HasRead { get; init; }

    public static WithdrawTakedownRequest From(WithdrawTakedownRequestRequest request, Caller caller, CaseTarget target)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var requestId = TakedownAnswer.IdOf(request.RequestId);
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new WithdrawTakedownRequest(requestId, reason)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    public override bool ReadsBeforeDeciding => true;

    /// The request's stream row is locked to the end of the transaction: a provider's answer committing meanwhile
    /// waits, then fails its version check, so a request is never both answered and withdrawn.
    public override async Task<Command> Prepared(IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation)
    {
        await session.QueryAsync<long>($"SELECT count(*) FROM (SELECT 1 FROM {EventStore.Schema}.mt_streams WHERE id = ? FOR UPDATE) locked", cancellation, RequestId);
        return this with { Current = await session.LoadAsync<TakedownRecord>(RequestId, cancellation), HasRead = true };
    }

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        if (!HasRead) throw new InvalidOperationException("WithdrawTakedownRequest decides only after it read the request");
        // A request of another case, or one the caller may not read, answers as one that does not exist.
        if (Current is not { } request || request.CaseId != current.Id || !(request.RequestingUnit == Caller.UnitId || current.IsLedBy(Caller.UnitId)))
            throw TakedownAnswer.NotFound(RequestId);
        if (request.RequestingUnit != Caller.UnitId)
            throw Rejection.PermissionDenied("NOT_REQUESTING_UNIT", $"Only {request.RequestingUnit}, which filed takedown request {request.Id}, may withdraw it.", request.Id.ToString());
        TakedownAnswer.EnsureOpen(request);
        var withdrawn = new TakedownWithdrawn(request.Id, request.Provider, TakedownWithdrawal.ByRequestingUnit,
            CaseText.Seal(current, keys, nameof(TakedownWithdrawn.Reason), Reason), TakedownAnswer.Stored(now));
        return new([withdrawn], new CommandResult())
        {
            // The reason stays sealed in the request's history: an access record outlives the case's erasure.
            Record = new AccessNote("the requesting unit's reason, kept sealed in the request's history", $"withdraw takedown request {request.Id} to hosting party {request.Provider}",
                $"to {request.Provider}: takedown request {request.Id} withdrawn, with the unit's reason; it is notified no more"),
        };
    }
}
