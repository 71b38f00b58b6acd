using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EvidenceHub.Hub.Identity;

/// Units authenticate with mutual TLS: a client certificate issued by the hub's trusted CA whose common name is a
/// registered unit id. Validation is left to ASP.NET Core certificate authentication (not to the TLS handshake), so a
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
        }));

        var trustedCaPath = builder.Configuration["Identity:TrustedCaPath"];
        builder.Services
            .AddAuthentication(CertificateAuthenticationDefaults.AuthenticationScheme)
            .AddCertificate(options =>
            {
                options.AllowedCertificateTypes = CertificateTypes.Chained;
                options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                options.RevocationMode = X509RevocationMode.NoCheck;
                options.ValidateCertificateUse = true;
                if (!string.IsNullOrEmpty(trustedCaPath))
                    options.CustomTrustStore.ImportFromPemFile(trustedCaPath);
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
                        var unitId = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                        var unit = registry.Find(unitId);
                        if (unit is null)
                        {
                            context.Fail($"No unit '{unitId}' is registered at this hub.");
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
            })
            // Validating the chain on every call cost 5–9 % of the hub's CPU under lookup load. The registry is fixed at
            // start-up and revocation is not checked, so a cached validation (two minutes sliding, never past the
            // certificate's expiry) says nothing a fresh one would not. Drop the cache if either changes.
            .AddCertificateCache(cache => cache.CacheEntryExpiration = TimeSpan.FromMinutes(2));

        // Every endpoint needs an authenticated unit unless it opts out (health checks and reflection do).
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
