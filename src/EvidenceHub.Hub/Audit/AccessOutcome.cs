namespace EvidenceHub.Hub.Audit;

public enum AccessOutcome { Allowed = 1, Refused = 2, Failed = 3 }
