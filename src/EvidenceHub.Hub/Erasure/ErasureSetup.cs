namespace EvidenceHub.Hub.Erasure;

public static class ErasureSetup
{
    public const string PseudonymSecretKey = "Erasure:PseudonymSecret";

    /// A fixed secret for Development and Testing only, so that every instance and every restart of a development hub
    /// pseudonymises alike; production readiness refuses to start without a configured one.
    private static readonly byte[] DevelopmentSecret = System.Text.Encoding.UTF8.GetBytes("evidencehub/development-only/pseudonym-secret/not-for-production");

    public static WebApplicationBuilder AddErasure(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(PseudonymsFrom(builder.Configuration));
        return builder;
    }

    /// The configured secret (base64, at least 32 bytes), or the development one when none is set.
    public static IdentifierPseudonym PseudonymsFrom(IConfiguration configuration)
    {
        var configured = configuration[PseudonymSecretKey];
        if (string.IsNullOrWhiteSpace(configured)) return new IdentifierPseudonym(DevelopmentSecret);
        byte[] secret;
        try { secret = Convert.FromBase64String(configured); }
        catch (FormatException) { throw new InvalidOperationException($"{PseudonymSecretKey} is not base64."); }
        if (secret.Length < 32) throw new InvalidOperationException($"{PseudonymSecretKey} has {secret.Length} bytes; it needs at least 32.");
        return new IdentifierPseudonym(secret);
    }

    /// Null when the secret is configured and usable; otherwise what is wrong (ProductionReadiness).
    public static string? Problem(IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[PseudonymSecretKey]))
            return $"{PseudonymSecretKey} is not set: configure base64 of at least 32 random bytes (back it up like the audit signing key: losing it severs every correlation).";
        try { PseudonymsFrom(configuration); return null; }
        catch (InvalidOperationException problem) { return problem.Message; }
    }
}
