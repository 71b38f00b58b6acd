using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Store;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EvidenceHub.Hub.Takedown;

public enum TakedownState { Open = 1, Acknowledged = 2, Removed = 3, Refused = 4, Withdrawn = 5 }

public enum TakedownStepKind { Filed = 1, Renotified = 2, Acknowledged = 3, Removed = 4, Refused = 5, Withdrawn = 6 }

/// One step of a request's history, with who took it (unit and person, from the event's headers): its words, sealed
/// (a note, a reason), or the hub's own text (a re-notification's number, a withdrawal's cause).
public sealed record TakedownStep(TakedownStepKind Kind, DateTimeOffset At, string Unit, string User, string? Text, Sealed? Words = null);

/// A takedown request as its events built it (an inline snapshot of the request's stream): what the provider is
/// asked to remove, where it stands, and every step.
public sealed record TakedownRecord
{
    public Guid Id { get; init; }
    public Guid CaseId { get; init; }
    public string RequestingUnit { get; init; } = "";
    public string RequestingCountry { get; init; } = "";
    public string Provider { get; init; } = "";
    public IReadOnlyList<TakedownItem> Material { get; init; } = [];
    /// Every key of the material, for the "already open" question.
    public IReadOnlyList<string> Keys { get; init; } = [];
    public IReadOnlyList<string> Locations { get; init; } = [];
    public Sealed? Note { get; init; }
    public TakedownState Status { get; init; }
    public DateTimeOffset FiledAt { get; init; }
    public int Notifications { get; init; }
    public DateTimeOffset LastNotifiedAt { get; init; }
    public DateTimeOffset? AnsweredAt { get; init; }
    /// The provider's words with its last answer.
    public Sealed? Answer { get; init; }
    /// Set once withdrawn: by whom (the cause), when, and the requesting unit's words for the provider.
    public TakedownWithdrawal? Withdrawal { get; init; }
    public DateTimeOffset? WithdrawnAt { get; init; }
    public Sealed? WithdrawalReason { get; init; }
    public IReadOnlyList<TakedownStep> History { get; init; } = [];

    /// Removed, refused and withdrawn are final; acknowledged is still open: the material is not gone yet.
    public bool IsOpen => Status is TakedownState.Open or TakedownState.Acknowledged;

    public static TakedownRecord? Fold(TakedownRecord? record, object data, string unit, string user) => (record, data) switch
    {
        (null, TakedownFiled filed) => new TakedownRecord
        {
            Id = filed.RequestId, CaseId = filed.CaseId, RequestingUnit = filed.RequestingUnit, RequestingCountry = filed.RequestingCountry,
            Provider = filed.Provider, Material = filed.Material, Keys = filed.Material.SelectMany(m => m.Keys).Distinct().ToList(),
            Locations = filed.Locations, Note = filed.Note, Status = TakedownState.Open, FiledAt = filed.At, Notifications = 1, LastNotifiedAt = filed.At,
            History = [new TakedownStep(TakedownStepKind.Filed, filed.At, unit, user, null, filed.Note)],
        },
        ({ } r, TakedownRenotified again) => r with
        {
            Notifications = again.Notification, LastNotifiedAt = again.At,
            History = [.. r.History, new TakedownStep(TakedownStepKind.Renotified, again.At, unit, user, $"notification {again.Notification}")],
        },
        ({ } r, TakedownAcknowledged ack) => r with
        {
            Status = TakedownState.Acknowledged, AnsweredAt = ack.At, Answer = ack.Note,
            History = [.. r.History, new TakedownStep(TakedownStepKind.Acknowledged, ack.At, unit, user, null, ack.Note)],
        },
        ({ } r, TakedownRemoved removed) => r with
        {
            Status = TakedownState.Removed, AnsweredAt = removed.At, Answer = removed.Note,
            History = [.. r.History, new TakedownStep(TakedownStepKind.Removed, removed.At, unit, user, null, removed.Note)],
        },
        ({ } r, TakedownRefused refused) => r with
        {
            Status = TakedownState.Refused, AnsweredAt = refused.At, Answer = refused.Reason,
            History = [.. r.History, new TakedownStep(TakedownStepKind.Refused, refused.At, unit, user, null, refused.Reason)],
        },
        ({ } r, TakedownWithdrawn withdrawn) => r with
        {
            Status = TakedownState.Withdrawn, Withdrawal = withdrawn.Cause, WithdrawnAt = withdrawn.At, WithdrawalReason = withdrawn.Reason,
            History = [.. r.History, new TakedownStep(TakedownStepKind.Withdrawn, withdrawn.At, unit, user, TakedownWithdrawals.Cause(withdrawn.Cause), withdrawn.Reason)],
        },
        _ => record,
    };
}

/// The inline snapshot of a request's stream: readable in the transaction after the one that appended.
public sealed partial class TakedownRecordProjection : SingleStreamProjection<TakedownRecord, Guid>
{
    public TakedownRecordProjection()
    {
        IncludeType<TakedownFiled>();
        IncludeType<TakedownRenotified>();
        IncludeType<TakedownAcknowledged>();
        IncludeType<TakedownRemoved>();
        IncludeType<TakedownRefused>();
        IncludeType<TakedownWithdrawn>();
    }

    public override TakedownRecord? Evolve(TakedownRecord? snapshot, Guid id, IEvent e)
    {
        var (unit, user) = e.Headers is { } headers
            ? (headers.GetValueOrDefault(EventHeaders.Unit)?.ToString() ?? "", headers.GetValueOrDefault(EventHeaders.User)?.ToString() ?? "")
            : ("", "");
        return TakedownRecord.Fold(snapshot, e.Data, unit, user);
    }
}
