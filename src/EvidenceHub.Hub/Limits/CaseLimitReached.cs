using EvidenceHub.Hub.Errors;

namespace EvidenceHub.Hub.Limits;

/// A case that holds as much as Limits:Cases allows takes no more: FAILED_PRECONDITION, with the limit in the ErrorInfo.
public static class CaseLimitReached
{
    public const string IdentifierReason = "CASE_IDENTIFIER_LIMIT";
    public const string VictimLinkReason = "CASE_VICTIM_LINK_LIMIT";
    public const string ImportedRowsReason = "CASE_IMPORTED_ROWS_LIMIT";

    public static Rejection Identifiers(Guid caseId, int limit) =>
        Rejection.FailedPrecondition(IdentifierReason,
            $"Case {caseId} already holds {limit} active identifiers, the most a case may hold; retract some or open another case.",
            ("case_id", caseId.ToString()), ("limit", limit.ToString()));

    public static Rejection VictimLinks(Guid caseId, int limit) =>
        Rejection.FailedPrecondition(VictimLinkReason,
            $"Case {caseId} already has {limit} victim links, the most a case may have.",
            ("case_id", caseId.ToString()), ("limit", limit.ToString()));

    public static Rejection ImportedRows(Guid caseId, int limit) =>
        Rejection.FailedPrecondition(ImportedRowsReason,
            $"Case {caseId} would take in more than {limit} imported media records (Limits:Cases:MaxImportedRows); import the rest into another case.",
            ("case_id", caseId.ToString()), ("limit", limit.ToString()));
}
