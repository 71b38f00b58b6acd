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
