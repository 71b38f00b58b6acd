using System.Security.Claims;

namespace EvidenceHub.Hub.Identity;

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
