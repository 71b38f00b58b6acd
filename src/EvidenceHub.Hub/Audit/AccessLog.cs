using EvidenceHub.Hub.Identity;
using Marten;

namespace EvidenceHub.Hub.Audit;

public enum AccessOutcome { Allowed = 1, Refused = 2, Failed = 3 }

/// One consultation or disclosure of case data (LED Art. 25, CJIS 5.4): who, when, why, what was asked, what was
/// disclosed and to whom. Never holds victim details.
public sealed class AccessRecord
{
    public Guid Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Unit { get; set; } = "";
    public string User { get; set; } = "";
    public string CertificateSubject { get; set; } = "";
    public string Operation { get; set; } = "";
    public AccessOutcome Outcome { get; set; }
    public string? Justification { get; set; }
    public string Asked { get; set; } = "";
    public string? Disclosed { get; set; }
    public Guid? CaseId { get; set; }
    public string? RecipientUnit { get; set; }
    public string CorrelationId { get; set; } = "";
}

/// Writes access records durably before the answer leaves the hub.
public sealed class AccessLog(IDocumentStore store, TimeProvider clock)
{
    public async Task Record(Caller caller, string operation, AccessOutcome outcome, string? justification, string asked,
        string? disclosed, Guid? caseId, string correlationId, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        session.Store(new AccessRecord
        {
            Id = Guid.CreateVersion7(),
            At = clock.GetUtcNow(),
            Unit = caller.UnitId,
            User = caller.User,
            CertificateSubject = caller.CertificateSubject,
            Operation = operation,
            Outcome = outcome,
            Justification = justification,
            Asked = asked,
            Disclosed = disclosed,
            CaseId = caseId,
            RecipientUnit = outcome == AccessOutcome.Allowed ? caller.UnitId : null,
            CorrelationId = correlationId,
        });
        await session.SaveChangesAsync(cancellation);
    }
}
