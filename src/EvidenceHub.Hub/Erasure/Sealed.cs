namespace EvidenceHub.Hub.Erasure;

/// A personal field as stored in an event or a document: its ciphertext under the data key of one subject (a victim
/// link, or one case's holding of an identifier). Erasing the subject destroys the key; the ciphertext stays, so every
/// hash the audit log took of the stored event stays true, and the value can never be read again.
public sealed record Sealed(Guid Subject, string Ciphertext)
{
    /// What replay, as-of and GetCase show for a field whose subject was erased.
    public const string ErasedPlaceholder = "[erased]";

    /// The plaintext under the ring's key, or the placeholder when the subject's key is gone.
    public string Open(SubjectKeyRing keys, string field) =>
        keys.TryGet(Subject, out var key) ? SubjectCipher.Open(this, key, field) : ErasedPlaceholder;

    public bool IsErased(SubjectKeyRing keys) => !keys.Contains(Subject);
}
