using System.Security.Claims;

namespace EvidenceHub.Hub.Identity;

/// What a unit may do at the hub.
public static class Roles
{
    /// A national unit: owns cases and syncs them.
    public const string Unit = "unit";
    /// A foreign partner: asks hit / no-hit questions.
    public const string Partner = "partner";
    /// An auditor or supervisor: reads histories and the access log.
    public const string Auditor = "auditor";
    /// A witness of the audit log: reads its signed checkpoints and consistency proofs, and cosigns them.
    public const string Witness = "witness";

    public static readonly string[] All = [Unit, Partner, Auditor, Witness];
}

/// A unit connected to the hub, as configured under "Units:{id}".
public sealed record UnitRegistration(string Id, string Country, IReadOnlyList<string> Roles);

/// The configured units, keyed by unit id (the common name of the unit's client certificate).
public sealed class UnitRegistry(IEnumerable<UnitRegistration> units)
{
    private readonly Dictionary<string, UnitRegistration> byId = units
        // ':' is kept for the hub's own caller (Lifecycle.HubCaller): no unit may be registered under such an id.
        .Select(u => u.Id.Contains(':') ? throw new InvalidOperationException($"Unit id '{u.Id}' may not contain ':'") : u)
        .ToDictionary(u => u.Id, StringComparer.Ordinal);

    public UnitRegistration? Find(string unitId) => byId.GetValueOrDefault(unitId);

    public bool Contains(string unitId) => byId.ContainsKey(unitId);

    public IReadOnlyCollection<UnitRegistration> All => byId.Values;

    /// Reads "Units": { "NL-TBKK": { "Country": "NL", "Roles": ["unit"] }, ... }.
    public static UnitRegistry FromConfiguration(IConfiguration configuration)
    {
        var units = configuration.GetSection("Units").GetChildren().Select(section =>
        {
            var country = section["Country"] ?? throw new InvalidOperationException($"Units:{section.Key}:Country is missing");
            var roles = section.GetSection("Roles").Get<string[]>() ?? [];
            var unknown = roles.Except(Identity.Roles.All).ToArray();
            if (unknown.Length > 0)
                throw new InvalidOperationException($"Units:{section.Key}:Roles has unknown roles: {string.Join(", ", unknown)}");
            return new UnitRegistration(section.Key, country.ToUpperInvariant(), roles);
        });
        return new UnitRegistry(units);
    }
}

/// The authenticated caller of an RPC: a unit, and the person at that unit when the client names one.
public sealed record Caller(string UnitId, string Country, IReadOnlyList<string> Roles, string User, string CertificateSubject)
{
    public const string UserHeader = "evidencehub-user";
    public const int MaxUserLength = 128;
    public const string CountryClaim = "evidencehub:country";
    public const string CertificateSubjectClaim = "evidencehub:certificate-subject";

    public bool Is(string role) => Roles.Contains(role);

    /// "NL-TBKK/j.devries": the actor recorded on every event and access record.
    public string Actor => $"{UnitId}/{User}";

    public static Caller From(HttpContext http)
    {
        var principal = http.User;
        var unit = principal.FindFirstValue(ClaimTypes.NameIdentifier)
                   ?? throw new InvalidOperationException("The call was not authenticated as a unit.");
        var user = http.Request.Headers[UserHeader].ToString().Trim();
        // The user name is recorded on every event and access record and shown to supervisors: refuse what could
        // forge or hide part of it (control characters and ANSI escapes, bidirectional overrides, zero-width
        // characters, a "UNIT/user" form) and what is too long, rather than store it or silently replace it.
        if (user.Length > MaxUserLength)
            throw Errors.Rejection.InvalidArgument(UserHeader, $"is longer than {MaxUserLength} characters");
        if (user.Any(c => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Control
                or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.OtherNotAssigned))
            throw Errors.Rejection.InvalidArgument(UserHeader, "contains control, formatting or invisible characters");
        if (user.Contains('/'))
            throw Errors.Rejection.InvalidArgument(UserHeader, "may not contain '/': name the person only, the unit is taken from the certificate");
        return new Caller(
            unit,
            principal.FindFirstValue(CountryClaim) ?? "",
            principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray(),
            user.Length > 0 ? user : "unnamed",
            principal.FindFirstValue(CertificateSubjectClaim) ?? "");
    }
}
