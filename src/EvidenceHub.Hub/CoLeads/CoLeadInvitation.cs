using EvidenceHub.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.CoLeads;

/// Expired is never stored: a pending invitation reads as expired once its deadline has passed or its case closed.
public enum CoLeadInvitationStatus { Pending = 1, Accepted = 2, Declined = 3, Expired = 4, Withdrawn = 5 }

/// An invitation to co-lead a case, as the case file keeps it.
public sealed record CaseCoLeadInvitation(
    string CoLeadUnit, string FromUnit, Erasure.Sealed Reason, CoLeadInvitationStatus Status, DateTimeOffset InvitedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? AnsweredAt = null, Erasure.Sealed? DeclineReason = null)
{
    public CoLeadInvitationStatus StatusAt(DateTimeOffset now) =>
        Status == CoLeadInvitationStatus.Pending && now >= ExpiresAt ? CoLeadInvitationStatus.Expired : Status;

    /// keys: the case's, which open the reasons (sealed under its case subject).
    public Contracts.V1.CoLeadInvitation ToProto(DateTimeOffset now, bool caseClosed, Erasure.SubjectKeyRing keys) => new()
    {
        CoLeadUnit = CoLeadUnit,
        FromUnit = FromUnit,
        Reason = Erasure.CaseText.Open(Reason, keys, nameof(CoLeadInvited.Reason)),
        Status = (Contracts.V1.CoLeadInvitationStatus)(int)(caseClosed && Status == CoLeadInvitationStatus.Pending ? CoLeadInvitationStatus.Expired : StatusAt(now)),
        InvitedAt = Timestamp.FromDateTimeOffset(InvitedAt),
        ExpiresAt = Timestamp.FromDateTimeOffset(ExpiresAt),
        AnsweredAt = AnsweredAt is { } answered ? Timestamp.FromDateTimeOffset(answered) : null,
        DeclineReason = Erasure.CaseText.Open(DeclineReason, keys, nameof(CoLeadInvitationDeclined.Reason)),
    };
}
