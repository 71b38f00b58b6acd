namespace EvidenceHub.Hub.Victims;

public enum AgeBand { Under13 = 1, From13To15 = 2, From16To17 = 3, Adult = 4, Unknown = 5 }
