using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace EvidenceHub.Hub.Identity;

/// The certificate validation cache (AddCertificateCache's semantics: sliding expiry, never past the certificate's
/// notAfter), keyed by the certificate and the version of the revocation list it was checked against. A new list
/// is a new version, so no validation made before it is ever served after it; entries of older versions just age
/// out. The snapshot taken in Get is the one the validation uses and the one Put files the result under, so a list
/// replaced during a validation cannot lend that validation its new version.
public sealed class RevocationAwareValidationCache(RevocationList revocations, IOptions<CertificateValidationCacheOptions> options, TimeProvider time)
    : ICertificateValidationCache, IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = options.Value.CacheSize });

    public static RevocationList.Snapshot SnapshotFor(HttpContext context, RevocationList revocations) =>
        context.Items[typeof(RevocationList.Snapshot)] as RevocationList.Snapshot ?? revocations.Current;

    public AuthenticateResult? Get(HttpContext context, X509Certificate2 certificate)
    {
        var snapshot = revocations.Current;
        context.Items[typeof(RevocationList.Snapshot)] = snapshot;
        if (!revocations.Usable(snapshot)) return null;
        return cache.Get<AuthenticateResult>(Key(snapshot, certificate))?.Clone();
    }

    public void Put(HttpContext context, X509Certificate2 certificate, AuthenticateResult result)
    {
        var snapshot = SnapshotFor(context, revocations);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var absolute = time.GetUtcNow().AddMinutes(30);
        cache.Set(Key(snapshot, certificate), result.Clone(), new MemoryCacheEntryOptions()
            .SetSize(1)
            .SetSlidingExpiration(options.Value.CacheEntryExpiration)
            .SetAbsoluteExpiration(notAfter < absolute ? notAfter : absolute));
    }

    private static (long, string) Key(RevocationList.Snapshot snapshot, X509Certificate2 certificate) =>
        (snapshot.Version, certificate.GetCertHashString(HashAlgorithmName.SHA256));

    public void Dispose() => cache.Dispose();
}
