namespace EvidenceHub.Hub.Audit;

/// An access record as stored: an event, so that access records and case events share one global order and one
/// tamper-evident log.
public sealed record AccessRecorded(
    DateTimeOffset At,
    string Unit,
    string User,
    string CertificateSubject,
    string Operation,
    AccessOutcome Outcome,
    string? Justification,
    string Asked,
    string? Disclosed,
    string? RecipientUnit,
    Guid? CaseId,
    IReadOnlyList<string> IdentifierKeys,
    string CorrelationId,
    IReadOnlyList<DisclosedCase>? DisclosedCases = null);
