namespace EvidenceHub.Hub.Cases;

/// How much of a case a caller may see: victims' details never leave the owning unit (auditors excepted).
public enum CaseView { None, WithoutVictims, Full }
