namespace EvidenceHub.Hub.Cases;

/// Europol-style handling codes.
public enum HandlingCode { H0 = 1, H1 = 2, H2 = 3, H3 = 4 }
