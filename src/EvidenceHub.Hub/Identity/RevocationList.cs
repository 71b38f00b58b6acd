using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EvidenceHub.Hub.Identity;

/// The operator's revocation lists (Identity:CrlPath: one DER CRL, or PEM holding one "X509 CRL" per trusted CA),
/// re-read whenever the file changes. Every check reads the file's size and write time (one stat call), so a new
/// list applies to the next call after it is written; the content is also re-read once a minute, in case a copy
/// kept the old write time. A list that cannot be used (unreadable, wrongly signed, past its nextUpdate) makes the
/// hub refuse every certificate until it is fixed: revocation fails closed.
public sealed class RevocationList
{
    private static readonly TimeSpan ContentRecheck = TimeSpan.FromMinutes(1);
    private readonly string? path;
    private readonly X509Certificate2Collection authorities;
    private readonly TimeProvider time;
    private ILogger? logger;
    private readonly Lock reloading = new();
    private volatile Snapshot current;

    /// What was read at one moment. Version changes whenever the content does: the validation cache keys on it.
    public sealed record Snapshot(long Version, IReadOnlyList<CertificateRevocationList> Lists, string? Problem,
        DateTime WrittenAt, long Length, byte[] ContentHash, DateTimeOffset ReadAt);

    public RevocationList(string? path, X509Certificate2Collection authorities, TimeProvider time)
    {
        this.path = string.IsNullOrWhiteSpace(path) ? null : path;
        this.authorities = authorities;
        this.time = time;
        current = Read(0);
        // A list that is wrong at start-up is a configuration error: say so now rather than refuse every unit.
        if (current.Problem is not null) throw new InvalidOperationException($"Identity:CrlPath: {current.Problem}");
    }

    public bool Configured => path is not null;

    /// Made before the service provider exists (so that a bad list stops start-up); the hub's logger comes later.
    public RevocationList LoggingTo(ILogger<RevocationList> hubLogger)
    {
        logger = hubLogger;
        return this;
    }

    public Snapshot Current
    {
        get
        {
            var seen = current;
            if (path is null) return seen;
            var file = new FileInfo(path);
            var (writtenAt, length) = file.Exists ? (file.LastWriteTimeUtc, file.Length) : (default, -1L);
            if (writtenAt == seen.WrittenAt && length == seen.Length && time.GetUtcNow() - seen.ReadAt < ContentRecheck) return seen;
            lock (reloading)
            {
                if (!ReferenceEquals(seen, current)) return current;
                var next = Read(seen.Version);
                if (next.ContentHash.AsSpan().SequenceEqual(seen.ContentHash) && next.Problem == seen.Problem)
                    next = next with { Version = seen.Version, Lists = seen.Lists };
                else if (next.Problem is not null)
                    logger?.LogError("The certificate revocation list {Path} cannot be used, so no certificate is accepted: {Problem}", path, next.Problem);
                else
                    logger?.LogInformation("Read the certificate revocation list {Path} ({Revoked} revoked certificates)", path, next.Lists.Sum(l => l.RevokedSerials.Count));
                return current = next;
            }
        }
    }

    /// Null when the certificate is not revoked by the lists in force; otherwise why it is refused.
    public string? Problem(X509Certificate2 certificate, Snapshot snapshot)
    {
        if (path is null) return null;
        if (snapshot.Problem is not null) return $"cannot be checked for revocation: the CRL {snapshot.Problem}";
        var list = snapshot.Lists.FirstOrDefault(l => l.Issuer.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData));
        if (list is null) return $"cannot be checked for revocation: the CRL file holds no list from its issuer '{certificate.Issuer}'";
        var now = time.GetUtcNow();
        if (now > list.NextUpdate) return $"cannot be checked for revocation: the CRL of '{certificate.Issuer}' expired at {list.NextUpdate:O}";
        return list.RevokedSerials.Contains(CertificateRevocationList.SerialOf(certificate)) ? "is revoked" : null;
    }

    /// Whether a validation cached under this snapshot may still be trusted now.
    public bool Usable(Snapshot snapshot) =>
        path is null || (snapshot.Problem is null && snapshot.Lists.All(l => time.GetUtcNow() <= l.NextUpdate));

    private Snapshot Read(long previousVersion)
    {
        var now = time.GetUtcNow();
        if (path is null) return new Snapshot(0, [], null, default, 0, [], now);
        byte[] content;
        DateTime writtenAt;
        try
        {
            writtenAt = File.GetLastWriteTimeUtc(path);
            content = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new Snapshot(previousVersion + 1, [], $"file {path} cannot be read ({exception.Message})", default, -1, [], now);
        }
        var hash = SHA256.HashData(content);
        try
        {
            var lists = Decode(content).Select(der => CertificateRevocationList.Read(der, authorities)).ToList();
            if (lists.Count == 0) throw new RevocationListException("file holds no CRL");
            var tooNew = lists.FirstOrDefault(l => l.ThisUpdate > now.AddMinutes(5));
            if (tooNew is not null) throw new RevocationListException($"of '{tooNew.Issuer.Name}' is dated in the future ({tooNew.ThisUpdate:O})");
            var stale = lists.FirstOrDefault(l => l.NextUpdate < now);
            if (stale is not null) throw new RevocationListException($"of '{stale.Issuer.Name}' expired at {stale.NextUpdate:O}");
            return new Snapshot(previousVersion + 1, lists, null, writtenAt, content.Length, hash, now);
        }
        catch (RevocationListException problem)
        {
            return new Snapshot(previousVersion + 1, [], $"{path} {problem.Message}", writtenAt, content.Length, hash, now);
        }
    }

    /// DER as it is, or every "X509 CRL" block of a PEM file.
    private static IEnumerable<ReadOnlyMemory<byte>> Decode(byte[] content)
    {
        if (content.Length > 0 && content[0] == 0x30) return [content];
        var text = System.Text.Encoding.ASCII.GetString(content);
        var blocks = new List<ReadOnlyMemory<byte>>();
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            if (rest.Span[fields.Label].SequenceEqual("X509 CRL"))
                blocks.Add(Convert.FromBase64String(rest.Span[fields.Base64Data].ToString()));
            rest = rest[fields.Location.End..];
        }
        return blocks;
    }
}
