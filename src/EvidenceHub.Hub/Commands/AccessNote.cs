namespace EvidenceHub.Hub.Commands;

/// What a command's own access record says: why (the command's reason), what was done, what left the hub, and the
/// identifiers it was about (by their match keys), so that an auditor asking about one finds it.
public sealed record AccessNote(string Justification, string Asked, string? Disclosed, IReadOnlyList<string>? IdentifierKeys = null);
