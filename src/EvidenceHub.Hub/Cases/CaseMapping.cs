using EvidenceHub.Hub.Erasure;
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
    /// The owner and auditors see everything; the target of a handoff still pending sees the case without its
    /// victims, to decide. Its view ends with the handoff: answered, cancelled, expired or the case closed.
    public static CaseView Of(CaseFile file, Caller caller, DateTimeOffset now)
    {
        if (caller.Is(Roles.Auditor) || file.OwnerUnit == caller.UnitId) return CaseView.Full;
        if (file.PendingHandoffAt(now)?.TargetUnit == caller.UnitId) return CaseView.WithoutVictims;
        return CaseView.None;
    }
}

public static class CaseMapping
{
    /// The case with the given identifiers (active and retracted), listed in the order they were added.
    /// victimKeys: the case's subject keys that open its victim links (needed only with withVictims).
    public static Case ToProto(CaseFile file, IEnumerable<CaseIdentifier> identifiers, CaseRevision revision, bool withVictims, DateTimeOffset now,
        SubjectKeyRing? victimKeys = null)
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
            VictimCount = file.Victims.Count(v => !v.IsErased),
        };
        answer.Identifiers.AddRange(identifiers.OrderBy(i => i.AddedAtVersion).Select(IdentifierRequests.ToProto));
        answer.Handoffs.AddRange(file.Handoffs.Select(h => HandoffRequests.ToProto(h, now)));
        if (withVictims) answer.VictimLinks.AddRange(file.Victims.Select(v => VictimRequests.ToProto(v, victimKeys ?? new SubjectKeyRing())));
        return answer;
    }
}
