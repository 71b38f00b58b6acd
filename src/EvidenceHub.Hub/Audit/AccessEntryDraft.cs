using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Audit;

public sealed partial record AccessEntry
{
    /// The way to write an access record: who calls which operation in which call, then why, what was asked and about
    /// which case and identifiers, and last the outcome with what was disclosed, e.g.
    /// <c>AccessEntry.For(caller, "GetCase", correlationId).Justified(why).Asking("case …").AboutCase(id).Allowed("…")</c>.
    public static Draft For(Caller caller, string operation, string correlationId) => new(caller, operation, correlationId);

    /// An access record whose outcome is not known yet: it becomes an AccessEntry only with one.
    public sealed record Draft(
        Caller Caller, string Operation, string CorrelationId,
        string? Justification = null, string Asked = "", Guid? CaseId = null, IReadOnlyList<string>? IdentifierKeys = null)
    {
        public Draft Justified(string? justification) => this with { Justification = justification };

        public Draft Asking(string asked) => this with { Asked = asked };

        /// The case asked about, recorded even when it does not exist or is hidden, so that an auditor finds probes of it.
        public Draft AboutCase(Guid? caseId) => this with { CaseId = caseId };

        public Draft AboutIdentifiers(IReadOnlyList<string> keys) => this with { IdentifierKeys = keys };

        /// Answered; disclosed says what left the hub (nothing, for a write such as a cosignature).
        public AccessEntry Allowed(string? disclosed = null) => Ended(AccessOutcome.Allowed, disclosed);

        public AccessEntry Refused(string? disclosed = null) => Ended(AccessOutcome.Refused, disclosed);

        /// Not answered: refused, or failed when the status says the hub failed; what it says is the hub's own words.
        public AccessEntry NotAnswered(Google.Rpc.Status status) => Ended(RefusalRecords.OutcomeOf(status), RefusalRecords.Nothing(status));

        public AccessEntry Ended(AccessOutcome outcome, string? disclosed) =>
            new(Caller, Operation, outcome, Justification, Asked, disclosed, CaseId, CorrelationId) { IdentifierKeys = IdentifierKeys ?? [] };
    }
}
