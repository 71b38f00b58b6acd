using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Handoffs;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Victims;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Cases;

public static class CaseMapping
{
    /// The case with the given identifiers (active and retracted), listed in the order they were added.
    /// keys: the case's subject keys, which open its free text, its identifiers and (with withVictims) its victim links.
    public static Case ToProto(CaseFile file, IEnumerable<CaseIdentifier> identifiers, CaseRevision revision, bool withVictims, DateTimeOffset now,
        SubjectKeyRing keys)
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
                HandlingRestrictions = Sharing.SharingPolicyText.Open(file.SharingPolicy.HandlingRestrictions, keys),
                PartnerUnits = { file.SharingPolicy.PartnerUnits },
            },
            Version = revision.Version,
            OpenedAt = Timestamp.FromDateTimeOffset(file.OpenedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(revision.UpdatedAt),
            CloseReason = CaseText.Open(file.CloseReason, keys, nameof(CaseClosed.Reason)),
            VictimCount = file.Victims.Count(v => !v.IsErased),
            Restricted = file.Restricted,
            Erased = file.IsErased,
        };
        answer.Identifiers.AddRange(IdentifierMapping.ToProto(identifiers.OrderBy(i => i.AddedAtVersion), keys));
        answer.Handoffs.AddRange(file.Handoffs.Select(h => HandoffMapping.ToProto(h, now, keys)));
        if (withVictims) answer.VictimLinks.AddRange(file.Victims.Select(v => VictimMapping.ToProto(v, keys)));
        answer.CoLeadUnits.AddRange(file.CoLeads);
        answer.CoLeadInvitations.AddRange(file.CoLeadInvitations.Select(i => i.ToProto(now, file.Status == CaseStatus.Closed, keys)));
        return answer;
    }
}
