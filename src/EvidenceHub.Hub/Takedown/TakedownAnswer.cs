using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Takedown;

public enum TakedownAnswerKind { Acknowledge, Removed, Refuse }

/// A hosting party's answer to a request addressed to it. A request addressed to another provider answers exactly as
/// one that does not exist. Removed and refused are final; acknowledging is once only and not after either. CommandId
/// is null for an older client that sent none: its answer is not idempotent (no receipt is kept).
public sealed record TakedownAnswer(TakedownAnswerKind Kind, Guid RequestId, string? Text, string? CommandId = null)
{
    public static TakedownAnswer Acknowledge(Contracts.V1.AcknowledgeRequest request) =>
        new(TakedownAnswerKind.Acknowledge, IdOf(request.RequestId), RequestFields.Text(request.Note, "note", RequestFields.MaxReasonLength, required: false), CommandIdOf(request.CommandId));

    public static TakedownAnswer Removed(Contracts.V1.ReportRemovedRequest request) =>
        new(TakedownAnswerKind.Removed, IdOf(request.RequestId), RequestFields.Text(request.Note, "note", RequestFields.MaxReasonLength, required: false), CommandIdOf(request.CommandId));

    public static TakedownAnswer Refuse(Contracts.V1.RefuseRequest request) =>
        new(TakedownAnswerKind.Refuse, IdOf(request.RequestId), RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength), CommandIdOf(request.CommandId));

    private static string? CommandIdOf(string value) => value.Length == 0 ? null : RequestFields.CommandId(value);

    public static Guid IdOf(string value) => RequestFields.Id(value, "request_id");

    /// In whole microseconds, as PostgreSQL keeps times: a time read back through SQL is the time recorded.
    public static DateTimeOffset Stored(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMicrosecond));

    public static Rejection NotFound(Guid requestId) => Rejection.NotFound("takedown request", requestId.ToString(), "request_id");

    /// The record as the provider may see it: its own requests only.
    public static TakedownRecord Addressed(TakedownRecord? record, Guid requestId, Caller provider) =>
        record is not null && record.Provider == provider.UnitId ? record : throw NotFound(requestId);

    /// A final request takes no more answers, nor a withdrawal.
    public static void EnsureOpen(TakedownRecord current)
    {
        if (current.Status == TakedownState.Withdrawn)
            throw Rejection.FailedPrecondition("TAKEDOWN_WITHDRAWN", $"Takedown request {current.Id} was withdrawn: it asks nothing any more.",
                ("request_id", current.Id.ToString()), ("status", "WITHDRAWN"));
        if (!current.IsOpen)
            throw Rejection.FailedPrecondition("TAKEDOWN_ANSWERED",
                $"Takedown request {current.Id} was already answered ({current.Status.ToString().ToLowerInvariant()}): that answer is final.",
                ("request_id", current.Id.ToString()), ("status", current.Status.ToString().ToUpperInvariant()));
    }

    /// textSubject: the case's subject, whose key (in keys) seals the provider's words; null once the case is erased,
    /// and then the answer is kept without its words.
    public ITakedownEvent Decide(TakedownRecord? record, Caller provider, SubjectKeyRing keys, Guid? textSubject, DateTimeOffset now)
    {
        var current = Addressed(record, RequestId, provider);
        EnsureOpen(current);
        Sealed? words = Text is not null && textSubject is { } subject && keys.Contains(subject)
            ? keys.Seal(subject, Kind == TakedownAnswerKind.Refuse ? nameof(TakedownRefused.Reason) : nameof(TakedownAcknowledged.Note), Text)
            : null;
        return Kind switch
        {
            TakedownAnswerKind.Acknowledge when current.Status == TakedownState.Acknowledged =>
                throw Rejection.FailedPrecondition("TAKEDOWN_ACKNOWLEDGED", $"Takedown request {current.Id} was already acknowledged; report removal or refuse it.",
                    ("request_id", current.Id.ToString()), ("status", "ACKNOWLEDGED")),
            TakedownAnswerKind.Acknowledge => new TakedownAcknowledged(current.Id, provider.UnitId, words, now),
            TakedownAnswerKind.Removed => new TakedownRemoved(current.Id, provider.UnitId, words, now),
            _ => new TakedownRefused(current.Id, provider.UnitId, words, now),
        };
    }

    /// The hub's re-notification of an open request whose last notice is an interval old; null when none is due.
    public static TakedownRenotified? Renotify(TakedownRecord record, TimeSpan interval, DateTimeOffset now) =>
        record.IsOpen && now >= record.LastNotifiedAt + interval
            ? new TakedownRenotified(record.Id, record.Provider, record.Notifications + 1, record.Status == TakedownState.Acknowledged, Stored(now))
            : null;
}
