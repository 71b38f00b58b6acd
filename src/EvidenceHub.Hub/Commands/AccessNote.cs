namespace EvidenceHub.Hub.Commands;

/// What a command's own access record says: why (the command's reason), what was done, and what left the hub.
public sealed record AccessNote(string Justification, string Asked, string? Disclosed);
