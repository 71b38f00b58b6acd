using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Handoffs;

/// A handoff as answers show it.
public static class HandoffMapping
{
    /// The handoff as it stands at the given moment (a request past its deadline shows as expired), its reasons opened
    /// with the case's keys.
    public static Handoff ToProto(CaseHandoff handoff, DateTimeOffset now, Erasure.SubjectKeyRing keys) => new()
    {
        HandoffId = handoff.HandoffId.ToString(),
        FromUnit = handoff.FromUnit,
        TargetUnit = handoff.TargetUnit,
        Reason = Erasure.CaseText.Open(handoff.Reason, keys, nameof(HandoffRequested.Reason)),
        Status = (Contracts.V1.HandoffStatus)(int)handoff.StatusAt(now),
        RequestedAt = Timestamp.FromDateTimeOffset(handoff.RequestedAt),
        AnsweredAt = handoff.AnsweredAt is { } answered ? Timestamp.FromDateTimeOffset(answered) : null,
        DeclineReason = Erasure.CaseText.Open(handoff.DeclineReason, keys, nameof(HandoffDeclined.Reason)),
        ExpiresAt = handoff.ExpiresAt == default ? null : Timestamp.FromDateTimeOffset(handoff.ExpiresAt),
    };
}
