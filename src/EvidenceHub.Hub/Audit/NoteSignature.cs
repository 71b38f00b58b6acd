namespace EvidenceHub.Hub.Audit;

/// A signature line: the signer's name, its 4-byte key id and the signature bytes after it.
public sealed record NoteSignature(string Name, byte[] KeyId, byte[] Signature);
