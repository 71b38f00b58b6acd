using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EvidenceHub.Hub.Identity;

/// One X.509 certificate revocation list (RFC 5280 section 5), read from DER and verified against the trusted CA
/// that issued it. Only complete CRLs are understood: a CRL with any critical extension (a delta CRL, an issuing
/// distribution point that scopes it, an indirect CRL's entries) is refused rather than half-applied.
public sealed record CertificateRevocationList(
    X500DistinguishedName Issuer, DateTimeOffset ThisUpdate, DateTimeOffset NextUpdate, IReadOnlySet<BigInteger> RevokedSerials)
{
    public static CertificateRevocationList Read(ReadOnlyMemory<byte> der, X509Certificate2Collection authorities)
    {
        try
        {
            return Parse(der, authorities);
        }
        catch (AsnContentException exception)
        {
            throw new RevocationListException($"is not a DER-encoded X.509 CRL ({exception.Message})");
        }
    }

    private static CertificateRevocationList Parse(ReadOnlyMemory<byte> der, X509Certificate2Collection authorities)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var certificateList = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var signedPart = certificateList.ReadEncodedValue();
        var algorithm = ReadAlgorithm(certificateList);
        var signature = certificateList.ReadBitString(out var unusedBits);
        certificateList.ThrowIfNotEmpty();
        if (unusedBits != 0) throw new RevocationListException("has a malformed signature");

        var tbs = new AsnReader(signedPart, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer) && tbs.ReadInteger() != 1)
            throw new RevocationListException("is not a version 2 CRL");
        if (ReadAlgorithm(tbs) != algorithm) throw new RevocationListException("names two different signature algorithms");
        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        var thisUpdate = ReadTime(tbs);
        var nextUpdate = tbs.HasData && IsTime(tbs.PeekTag())
            ? ReadTime(tbs)
            : throw new RevocationListException("has no nextUpdate, so its freshness cannot be judged");

        var revoked = new HashSet<BigInteger>();
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(entry.ReadInteger());
                ReadTime(entry);
                if (entry.HasData) RefuseCriticalExtensions(entry.ReadSequence(), "an entry");
                entry.ThrowIfNotEmpty();
            }
        }
        if (tbs.HasData)
        {
            var extensions = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            RefuseCriticalExtensions(extensions.ReadSequence(), "the list");
            extensions.ThrowIfNotEmpty();
        }
        tbs.ThrowIfNotEmpty();

        var authority = authorities.FirstOrDefault(a => a.SubjectName.RawData.AsSpan().SequenceEqual(issuer.RawData))
            ?? throw new RevocationListException($"is issued by '{issuer.Name}', which is not the trusted CA");
        if (authority.Extensions.OfType<X509KeyUsageExtension>().Any(k => !k.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign)))
            throw new RevocationListException($"is signed by '{issuer.Name}', whose key usage does not allow signing CRLs");
        if (!SignatureHolds(authority, algorithm, signedPart.Span, signature))
            throw new RevocationListException($"does not carry a valid signature of '{issuer.Name}'");
        return new CertificateRevocationList(issuer, thisUpdate, nextUpdate, revoked);
    }

    public static BigInteger SerialOf(X509Certificate2 certificate) =>
        new(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);

    private static string ReadAlgorithm(AsnReader reader)
    {
        var sequence = reader.ReadSequence();
        var oid = sequence.ReadObjectIdentifier();
        if (sequence.HasData) sequence.ReadEncodedValue(); // parameters: NULL for RSA, absent for ECDSA
        sequence.ThrowIfNotEmpty();
        return oid;
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static void RefuseCriticalExtensions(AsnReader extensions, string where)
    {
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            extension.ReadOctetString();
            extension.ThrowIfNotEmpty();
            if (critical) throw new RevocationListException($"has a critical extension {oid} on {where}, which the hub does not apply");
        }
    }

    private static bool SignatureHolds(X509Certificate2 authority, string algorithm, ReadOnlySpan<byte> signed, byte[] signature)
    {
        HashAlgorithmName Hash(string name) => new(name);
        switch (algorithm)
        {
            case "1.2.840.10045.4.3.2": case "1.2.840.10045.4.3.3": case "1.2.840.10045.4.3.4":
            {
                using var key = authority.GetECDsaPublicKey() ?? throw new RevocationListException("is signed with ECDSA, but the CA's key is not an EC key");
                var hash = algorithm[^1] switch { '2' => "SHA256", '3' => "SHA384", _ => "SHA512" };
                return key.VerifyData(signed, signature, Hash(hash), DSASignatureFormat.Rfc3279DerSequence);
            }
            case "1.2.840.113549.1.1.11": case "1.2.840.113549.1.1.12": case "1.2.840.113549.1.1.13":
            {
                using var key = authority.GetRSAPublicKey() ?? throw new RevocationListException("is signed with RSA, but the CA's key is not an RSA key");
                var hash = algorithm[^2..] switch { "11" => "SHA256", "12" => "SHA384", _ => "SHA512" };
                return key.VerifyData(signed, signature, Hash(hash), RSASignaturePadding.Pkcs1);
            }
            default:
                throw new RevocationListException($"is signed with algorithm {algorithm}, which the hub does not accept");
        }
    }
}

public sealed class RevocationListException(string problem) : Exception(problem);

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
