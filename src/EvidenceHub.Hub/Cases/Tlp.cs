namespace EvidenceHub.Hub.Cases;

/// Traffic Light Protocol 2.0.
public enum Tlp { Clear = 1, Green = 2, Amber = 3, AmberStrict = 4, Red = 5 }
