using EvidenceHub.Hub.Identity;

namespace EvidenceHub.Hub.Audit;

/// One consultation or disclosure of case data (LED Art. 25, CJIS 5.4) as the caller describes it: who, why, what was
/// asked, what was disclosed (a summary: which cases and fields, never victim details) and to which unit.
public sealed partial record AccessEntry(
    Caller Caller,
    string Operation,
    AccessOutcome Outcome,
    string? Justification,
    string Asked,
    string? Disclosed,
    Guid? CaseId,
    string CorrelationId)
{
    // Bounds on what one record may hold. Every string is made storable (AuditText) as the entry is built, so no
    // caller-chosen text (a certificate subject, a header, a justification) can keep a record from being stored.
    public const int MaxNameLength = 256;
    public const int MaxSubjectLength = 1024;
    public const int MaxJustificationLength = 1200;
    public const int MaxAskedLength = 8 * 1024;
    public const int MaxDisclosedLength = 64 * 1024;

    public Caller Caller { get; init => field = Storable(value); } = Storable(Caller);
    public string Operation { get; init => field = AuditText.Storable(value, MaxNameLength); } = AuditText.Storable(Operation, MaxNameLength);
    public string? Justification { get; init => field = AuditText.StorableOrNull(value, MaxJustificationLength); } = AuditText.StorableOrNull(Justification, MaxJustificationLength);
    public string Asked { get; init => field = AuditText.Storable(value, MaxAskedLength); } = AuditText.Storable(Asked, MaxAskedLength);
    public string? Disclosed { get; init => field = AuditText.StorableOrNull(value, MaxDisclosedLength); } = AuditText.StorableOrNull(Disclosed, MaxDisclosedLength);
    public string CorrelationId { get; init => field = AuditText.Storable(value, MaxNameLength); } = AuditText.Storable(CorrelationId, MaxNameLength);

    private static Caller Storable(Caller caller) => caller with
    {
        UnitId = AuditText.Storable(caller.UnitId, MaxNameLength),
        Country = AuditText.Storable(caller.Country, MaxNameLength),
        User = AuditText.Storable(caller.User, MaxNameLength),
        CertificateSubject = AuditText.Storable(caller.CertificateSubject, MaxSubjectLength),
    };

    /// The unit that received the disclosure: the caller, when anything was disclosed.
    public string? RecipientUnit => Outcome == AccessOutcome.Allowed && Disclosed is not null ? Caller.UnitId : null;

    /// Canonical keys (e.g. "phone:+31612345678") of the identifiers asked about or disclosed, so that an auditor can
    /// ask who looked up a given identifier.
    public IReadOnlyList<string> IdentifierKeys
    {
        get;
        init => field = value.Select(key => AuditText.Storable(key, Errors.RequestFields.MaxIdentifierKeyLength + 16)).ToArray();
    } = [];

    /// The cases whose data left the hub in the answer (lookups and networks), each with the level it was disclosed at
    /// and the identifiers that showed it: a narrowed sharing policy finds its recipients here (audit_access_index
    /// lists their ids).
    public IReadOnlyList<DisclosedCase> DisclosedCases
    {
        get;
        init => field = value.Select(c => c with
        {
            OwnerUnit = AuditText.Storable(c.OwnerUnit, MaxNameLength),
            Keys = c.Keys.Select(key => AuditText.Storable(key, Errors.RequestFields.MaxIdentifierKeyLength + 16)).ToArray(),
        }).ToArray();
    } = [];
}
