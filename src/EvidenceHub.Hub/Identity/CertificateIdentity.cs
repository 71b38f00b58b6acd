using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EvidenceHub.Hub.Identity;

/// Units authenticate with mutual TLS: a client certificate issued by the hub's trusted CA whose one common name is a
/// registered unit id (see UnitCertificate for the rules), not revoked by the operator's CRL (Identity:CrlPath, see
/// RevocationList). Validation is left to ASP.NET Core certificate authentication (not to the TLS handshake), so a
/// missing or unknown certificate surfaces as a clean UNAUTHENTICATED status instead of a dropped connection.
public static class CertificateIdentity
{
    public static WebApplicationBuilder AddUnitIdentity(this WebApplicationBuilder builder)
    {
        var registry = UnitRegistry.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(registry);

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
            TransportSecurity.Apply(https);
        }));

        var trustedCaPath = builder.Configuration["Identity:TrustedCaPath"];
        var authorities = new X509Certificate2Collection();
        if (!string.IsNullOrEmpty(trustedCaPath)) authorities.ImportFromPemFile(trustedCaPath);
        var revocations = new RevocationList(builder.Configuration["Identity:CrlPath"], authorities, TimeProvider.System);
        builder.Services.AddSingleton(services => revocations.LoggingTo(services.GetRequiredService<ILogger<RevocationList>>()));
        builder.Services
            .AddAuthentication(CertificateAuthenticationDefaults.AuthenticationScheme)
            .AddCertificate(options =>
            {
                options.AllowedCertificateTypes = CertificateTypes.Chained;
                options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                options.RevocationMode = X509RevocationMode.NoCheck;
                options.ValidateCertificateUse = true;
                options.CustomTrustStore.AddRange(authorities);
                options.Events = new CertificateAuthenticationEvents
                {
                    // The handler's default challenge is 403 (a TLS client cannot re-authenticate on the same
                    // connection); a caller without a valid unit certificate is unauthenticated, not forbidden.
                    OnChallenge = context =>
                    {
                        context.HandleResponse();
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return Task.CompletedTask;
                    },
                    OnCertificateValidated = context =>
                    {
                        var certificate = context.ClientCertificate;
                        var problem = UnitCertificate.Problem(certificate, registry, out var unit)
                                      ?? revocations.Problem(certificate, RevocationAwareValidationCache.SnapshotFor(context.HttpContext, revocations));
                        if (problem is not null || unit is null)
                        {
                            context.Fail($"The client certificate {problem}.");
                            return Task.CompletedTask;
                        }
                        var claims = new List<Claim>
                        {
                            new(ClaimTypes.NameIdentifier, unit.Id),
                            new(ClaimTypes.Name, unit.Id),
                            new(Caller.CountryClaim, unit.Country),
                            new(Caller.CertificateSubjectClaim, certificate.Subject),
                        };
                        claims.AddRange(unit.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
                        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, context.Scheme.Name));
                        context.Success();
                        return Task.CompletedTask;
                    },
                };
            });
        // Validating the chain on every call cost 5–9 % of the hub's CPU under lookup load, so validations are cached
        // (two minutes sliding, never past the certificate's expiry). The registry is fixed at start-up; the cache is
        // keyed by the revocation list's version, so a changed CRL is applied to the next call of every certificate.
        builder.Services.Configure<CertificateValidationCacheOptions>(cache => cache.CacheEntryExpiration = TimeSpan.FromMinutes(2));
        builder.Services.AddSingleton<ICertificateValidationCache>(services => new RevocationAwareValidationCache(
            services.GetRequiredService<RevocationList>(), services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CertificateValidationCacheOptions>>(),
            services.GetRequiredService<TimeProvider>()));

        // Deny by default: an endpoint without an [Authorize] naming its roles (a method whose attribute was forgotten,
        // an unknown method) refuses everyone — unauthenticated callers with 401, any certificate with 403 — so a
        // forgotten attribute fails closed. Health checks and reflection opt out with AllowAnonymous.
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser()
                .RequireAssertion(_ => false).Build());
        return builder;
    }
}
