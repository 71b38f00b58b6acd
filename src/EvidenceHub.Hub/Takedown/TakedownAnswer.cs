using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Takedown;

public enum TakedownAnswerKind { Acknowledge, Removed, Refuse }

/// A hosting party's answer to a request addressed to it. A request addressed to another provider answers exactly as
/// one that does not exist. Removed and refused are final; acknowledging is once only and not after either.
public sealed record TakedownAnswer(TakedownAnswerKind Kind, Guid RequestId, string? Text)
{
    public static TakedownAnswer Acknowledge(Contracts.V1.AcknowledgeRequest request) =>
        new(TakedownAnswerKind.Acknowledge, IdOf(request.RequestId), RequestFields.Text(request.Note, "note", RequestFields.MaxReasonLength, required: false));

    public static TakedownAnswer Removed(Contracts.V1.ReportRemovedRequest request) =>
        new(TakedownAnswerKind.Removed, IdOf(request.RequestId), RequestFields.Text(request.Note, "note", RequestFields.MaxReasonLength, required: false));

    public static TakedownAnswer Refuse(Contracts.V1.RefuseRequest request) =>
        new(TakedownAnswerKind.Refuse, IdOf(request.RequestId), RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength));

    public static Guid IdOf(string value) => RequestFields.Id(value, "request_id");

    /// In whole microseconds, as PostgreSQL keeps times: a time read back through SQL is the time recorded.
    public static DateTimeOffset Stored(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMicrosecond));

    public static Rejection NotFound(Guid requestId) => Rejection.NotFound("takedown request", requestId.ToString(), "request_id");

    /// The record as the provider may see it: its own requests only.
    public static TakedownRecord Addressed(TakedownRecord? record, Guid requestId, Caller provider) =>
        record is not null && record.Provider == provider.UnitId ? record : throw NotFound(requestId);

    public object Decide(TakedownRecord? record, Caller provider, DateTimeOffset now)
    {
        var current = Addressed(record, RequestId, provider);
        if (!current.IsOpen)
            throw Rejection.FailedPrecondition("TAKEDOWN_ANSWERED",
                $"Takedown request {current.Id} was already answered ({current.Status.ToString().ToLowerInvariant()}): that answer is final.",
                ("request_id", current.Id.ToString()), ("status", current.Status.ToString().ToUpperInvariant()));
        return Kind switch
        {
            TakedownAnswerKind.Acknowledge when current.Status == TakedownState.Acknowledged =>
                throw Rejection.FailedPrecondition("TAKEDOWN_ACKNOWLEDGED", $"Takedown request {current.Id} was already acknowledged; report removal or refuse it.",
                    ("request_id", current.Id.ToString()), ("status", "ACKNOWLEDGED")),
            TakedownAnswerKind.Acknowledge => new TakedownAcknowledged(current.Id, provider.UnitId, Text, now),
            TakedownAnswerKind.Removed => new TakedownRemoved(current.Id, provider.UnitId, Text, now),
            _ => new TakedownRefused(current.Id, provider.UnitId, Text!, now),
        };
    }

    /// The hub's re-notification of an open request whose last notice is an interval old; null when none is due.
    public static TakedownRenotified? Renotify(TakedownRecord record, TimeSpan interval, DateTimeOffset now) =>
        record.IsOpen && now >= record.LastNotifiedAt + interval
            ? new TakedownRenotified(record.Id, record.Provider, record.Notifications + 1, record.Status == TakedownState.Acknowledged, Stored(now))
            : null;
}
