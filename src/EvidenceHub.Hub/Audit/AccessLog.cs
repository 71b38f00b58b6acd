using EvidenceHub.Hub.Identity;
using Marten;

namespace EvidenceHub.Hub.Audit;

public enum AccessOutcome { Allowed = 1, Refused = 2, Failed = 3 }

/// One consultation or disclosure of case data (LED Art. 25, CJIS 5.4) as the caller describes it: who, why, what was
/// asked, what was disclosed (a summary: which cases and fields, never victim details) and to which unit.
public sealed record AccessEntry(
    Caller Caller,
    string Operation,
    AccessOutcome Outcome,
    string? Justification,
    string Asked,
    string? Disclosed,
    Guid? CaseId,
    string CorrelationId)
{
    /// The unit that received the disclosure: the caller, when anything was disclosed.
    public string? RecipientUnit => Outcome == AccessOutcome.Allowed && Disclosed is not null ? Caller.UnitId : null;
}

/// An access record as stored.
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
    public Task Record(AccessEntry entry, CancellationToken cancellation) => Record([entry], cancellation);

    public async Task Record(IReadOnlyList<AccessEntry> entries, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        var at = clock.GetUtcNow();
        foreach (var entry in entries)
            session.Store(new AccessRecord
            {
                Id = Guid.CreateVersion7(),
                At = at,
                Unit = entry.Caller.UnitId,
                User = entry.Caller.User,
                CertificateSubject = entry.Caller.CertificateSubject,
                Operation = entry.Operation,
                Outcome = entry.Outcome,
                Justification = entry.Justification,
                Asked = entry.Asked,
                Disclosed = entry.Disclosed,
                CaseId = entry.CaseId,
                RecipientUnit = entry.RecipientUnit,
                CorrelationId = entry.CorrelationId,
            });
        await session.SaveChangesAsync(cancellation);
    }
}
