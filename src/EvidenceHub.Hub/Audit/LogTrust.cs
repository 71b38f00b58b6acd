using System.Security.Cryptography;
using System.Text;

namespace EvidenceHub.Hub.Audit;

/// The keys the log is verified with, taken from configuration and never from the database: whoever can write the
/// log's tables can insert a key of their own there and re-sign a rewritten history, but cannot change these.
/// Audit:TrustedLogKeys (a list) and Audit:TrustedLogKeysPath (a file, one key per line, PEM blocks allowed) pin
/// the hub's keys: Ed25519 note verifier keys (vkeys) and ECDSA P-256 public keys (PEM, or base64 DER). Old keys stay
/// pinned as long as checkpoints they signed are to be verified. Without either setting, the keys the hub signs
/// with now (read from their files, outside the database) are the pinned ones. Audit:Witnesses lists the witnesses'
/// cosignature verifier keys (vkeys of type 0x04, c2sp.org/tlog-cosignature).
public sealed class LogTrust
{
    private readonly Dictionary<string, byte[]> treeHeadKeys = new(StringComparer.Ordinal); // by hex SHA-256 of the SPKI
    private readonly List<NoteVerifier> noteKeys = [];

    public string Origin { get; }
    public IReadOnlyList<NoteVerifier> Witnesses { get; }
    /// Whether the keys were pinned in configuration (else the hub's own current keys are).
    public bool Configured { get; }

    public LogTrust(IConfiguration configuration, CheckpointSigner signer, ILogger<LogTrust> logger)
    {
        Origin = signer.Origin;
        var pinned = configuration.GetSection("Audit:TrustedLogKeys").Get<string[]>()?.ToList() ?? [];
        if (configuration["Audit:TrustedLogKeys"] is { Length: > 0 } single) pinned.Add(single);
        if (configuration["Audit:TrustedLogKeysPath"] is { Length: > 0 } path)
        {
            if (!File.Exists(path)) throw new InvalidOperationException($"Audit:TrustedLogKeysPath: {path} does not exist.");
            pinned.AddRange(KeysIn(File.ReadAllText(path)));
        }
        foreach (var key in pinned.Where(k => !string.IsNullOrWhiteSpace(k))) Pin(key.Trim());
        Configured = pinned.Count > 0;
        if (!Configured)
        {
            treeHeadKeys[Convert.ToHexStringLower(signer.KeyId)] = signer.PublicKey;
            noteKeys.Add(signer.NoteVerifier);
            logger.LogWarning("Audit:TrustedLogKeys is not set: the log is verified with the keys the hub signs with now ({VerifierKey}). Pin them, and any older keys, in configuration.",
                signer.NoteVerifier);
        }
        else if (!noteKeys.Any(k => k.ToString() == signer.NoteVerifier.ToString()))
            logger.LogWarning("The hub's note key {VerifierKey} is not among Audit:TrustedLogKeys: the checkpoints it signs will not verify.", signer.NoteVerifier);

        var witnesses = configuration.GetSection("Audit:Witnesses").Get<string[]>() ?? [];
        Witnesses = witnesses.Where(w => !string.IsNullOrWhiteSpace(w)).Select((w, i) =>
        {
            var witness = NoteVerifier.Parse(w, $"Audit:Witnesses:{i}");
            return witness.Type == SignedNote.CosignatureV1Type ? witness
                : throw new InvalidOperationException($"Audit:Witnesses:{i}: a witness key must be a cosignature/v1 key (signature type 0x04), not 0x{witness.Type:x2}");
        }).ToList();
    }

    /// Whether a pinned ECDSA key with this key id (SHA-256 of its SubjectPublicKeyInfo) signed the tree head.
    public bool VerifyTreeHead(byte[] keyId, byte[] treeHead, byte[] signature) =>
        treeHeadKeys.TryGetValue(Convert.ToHexStringLower(keyId), out var publicKey) && CheckpointSigner.Verify(publicKey, treeHead, signature);

    /// The note's body when a pinned note key signed it and every signature line of a pinned key verifies; else why not.
    public (string? Body, string? Problem) VerifyNote(string note)
    {
        if (SignedNote.Parse(note) is not var (body, signatures)) return (null, "is not a well-formed signed note");
        var message = Encoding.UTF8.GetBytes(body);
        var verified = false;
        foreach (var signature in signatures)
            foreach (var key in noteKeys.Where(k => k.Signed(signature)))
            {
                if (!SignedNote.Verify(key.PublicKey, message, signature.Signature)) return (null, $"carries a signature by {key.Name} that does not verify");
                verified = true;
            }
        return verified ? (body, null) : (null, "is not signed by any pinned log key");
    }

    /// The configured witness that made this cosignature line, and the time it states, when it verifies over the body.
    public (NoteVerifier Witness, long Time)? VerifyCosignature(NoteSignature signature, string body)
    {
        var witness = Witnesses.FirstOrDefault(w => w.Signed(signature));
        if (witness is null || signature.Signature.Length != 8 + 64) return null;
        var time = SignedNote.CosignatureTime(signature.Signature);
        if (time < 0) return null;
        return SignedNote.Verify(witness.PublicKey, SignedNote.CosignedMessage(time, body), signature.Signature.AsSpan(8)) ? (witness, time) : null;
    }

    private void Pin(string key)
    {
        if (key.Contains("-----BEGIN", StringComparison.Ordinal) || !key.Contains('+'))
        {
            using var ecdsa = ECDsa.Create();
            try
            {
                if (key.Contains("-----BEGIN", StringComparison.Ordinal)) ecdsa.ImportFromPem(key);
                else ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key), out _);
            }
            catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
            {
                throw new InvalidOperationException($"Audit:TrustedLogKeys: '{key}' is neither an Ed25519 verifier key nor an ECDSA P-256 public key.", e);
            }
            var spki = ecdsa.ExportSubjectPublicKeyInfo();
            treeHeadKeys[Convert.ToHexStringLower(SHA256.HashData(spki))] = spki;
            return;
        }
        var verifier = NoteVerifier.Parse(key, "Audit:TrustedLogKeys");
        if (verifier.Type != SignedNote.Ed25519Type)
            throw new InvalidOperationException($"Audit:TrustedLogKeys: '{key}' is not a note signing key (signature type 0x01)");
        noteKeys.Add(verifier);
    }

    /// One key per line, except PEM blocks, which span lines; '#' starts a comment line.
    private static IEnumerable<string> KeysIn(string text)
    {
        var pem = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (pem.Length > 0 || line.StartsWith("-----BEGIN", StringComparison.Ordinal))
            {
                pem.Append(line).Append('\n');
                if (line.StartsWith("-----END", StringComparison.Ordinal)) { yield return pem.ToString(); pem.Clear(); }
                continue;
            }
            if (line.Length > 0 && !line.StartsWith('#')) yield return line;
        }
    }
}
