namespace EvidenceHub.Hub.Identity;

public sealed class RevocationListException(string problem) : Exception(problem);
