using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Victims;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Cases;

/// How much of a case a caller may see: victims' details never leave the owning unit (auditors excepted).
public enum CaseView { None, WithoutVictims, Full }

public static class CaseVisibility
{
    /// The owner, its co-leads and auditors see everything; the target of a handoff still pending, and a unit invited
    /// to co-lead, see the case without its victims, to decide (an invitation shows no more than a handoff would).
    /// Their view ends with the request: answered, cancelled, expired or the case closed; a co-lead's when it leaves.
    public static CaseView Of(CaseFile file, Caller caller, DateTimeOffset now)
    {
        if (caller.Is(Roles.Auditor) || file.IsLedBy(caller.UnitId)) return CaseView.Full;
        if (file.PendingHandoffAt(now)?.TargetUnit == caller.UnitId) return CaseView.WithoutVictims;
        if (file.PendingInvitationOf(caller.UnitId, now) is not null) return CaseView.WithoutVictims;
        return CaseView.None;
    }
}

public static class CaseMapping
{
    /// The case with the given identifiers (active and retracted), listed in the order they were added.
    public static Case ToProto(CaseFile file, IEnumerable<CaseIdentifier> identifiers, CaseRevision revision, bool withVictims, DateTimeOffset now)
    {
        var answer = new Case
        {
            CaseId = file.Id.ToString(),
            OwnerUnit = file.OwnerUnit,
            OpenedByUnit = file.OpenedByUnit,
            Reference = file.Reference,
            OffenceType = (Contracts.V1.OffenceType)(int)file.OffenceType,
            Status = (Contracts.V1.CaseStatus)(int)file.Status,
            SharingPolicy = new Contracts.V1.SharingPolicy
            {
                Tlp = (Contracts.V1.Tlp)(int)file.SharingPolicy.Tlp,
                HandlingCode = (Contracts.V1.HandlingCode)(int)file.SharingPolicy.HandlingCode,
                HandlingRestrictions = file.SharingPolicy.HandlingRestrictions ?? "",
                PartnerUnits = { file.SharingPolicy.PartnerUnits },
            },
            Version = revision.Version,
            OpenedAt = Timestamp.FromDateTimeOffset(file.OpenedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(revision.UpdatedAt),
            CloseReason = file.CloseReason ?? "",
            VictimCount = file.Victims.Count,
        };
        answer.Identifiers.AddRange(identifiers.OrderBy(i => i.AddedAtVersion).Select(IdentifierRequests.ToProto));
        answer.Handoffs.AddRange(file.Handoffs.Select(h => HandoffRequests.ToProto(h, now)));
        if (withVictims) answer.VictimLinks.AddRange(file.Victims.Select(VictimRequests.ToProto));
        answer.CoLeadUnits.AddRange(file.CoLeads);
        answer.CoLeadInvitations.AddRange(file.CoLeadInvitations.Select(i => i.ToProto(now, file.Status == CaseStatus.Closed)));
        return answer;
    }
}
