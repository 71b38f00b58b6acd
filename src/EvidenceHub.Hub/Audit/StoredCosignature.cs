namespace EvidenceHub.Hub.Audit;

/// A witness's cosignature as kept: the checkpoint it is on, who made it, when it says, and its signature line.
public sealed record StoredCosignature(long TreeSize, string Witness, DateTimeOffset CosignedAt, string SignatureLine);
