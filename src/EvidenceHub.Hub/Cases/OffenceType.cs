namespace EvidenceHub.Hub.Cases;

public enum OffenceType { Sextortion = 1, FinancialSextortion = 2, Grooming = 3, CsamDistribution = 4, Other = 5 }
