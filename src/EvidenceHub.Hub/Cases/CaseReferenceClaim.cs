namespace EvidenceHub.Hub.Cases;

/// Holds a unit's case reference, so one reference in a unit's own system maps to one case at the hub.
/// Inserted with the CaseOpened event; a second insert fails the transaction.
public sealed class CaseReferenceClaim
{
    /// "{unit}/{reference}".
    public string Id { get; set; } = "";
    public Guid CaseId { get; set; }

    public static string IdFor(string unitId, string reference) => $"{unitId}/{reference}";
}
