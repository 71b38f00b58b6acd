using System.Diagnostics.CodeAnalysis;

namespace EvidenceHub.Hub.Identifiers;

public enum IdentifierKind { PhoneNumber, EmailAddress, PlatformAccount, Iban, CryptoWallet, IpAddress, FileHashSha256, FileHashMd5, PerceptualHash, FileHashSha1 }

/// What a unit sent. Platform is required for PlatformAccount only; ObservedAt is required for IpAddress only.
public sealed record RawIdentifier(IdentifierKind Kind, string Value, string? Platform = null, DateTimeOffset? ObservedAt = null);

/// The canonical form. Qualifier: the platform for accounts (e.g. "snapchat"), the chain for wallets (e.g. "btc", "eth",
/// "xmr", "ltc", "trx", "doge"), otherwise null.
public sealed record CanonicalIdentifier(IdentifierKind Kind, string Value, string? Qualifier)
{
    /// The single string on which identifiers are matched across cases, e.g. "phone:+31612345678" or
    /// "account:snapchat:snap_user". Computed, so a `with` copy can never carry a stale key.
    public string Key => Kind switch
    {
        IdentifierKind.PhoneNumber => $"phone:{Value}",
        IdentifierKind.EmailAddress => $"email:{Value}",
        IdentifierKind.PlatformAccount => $"account:{Qualifier}:{Value}",
        IdentifierKind.Iban => $"iban:{Value}",
        IdentifierKind.CryptoWallet => $"wallet:{Qualifier}:{Value}",
        IdentifierKind.IpAddress => $"ip:{Value}",
        IdentifierKind.FileHashSha256 => $"sha256:{Value}",
        IdentifierKind.FileHashMd5 => $"md5:{Value}",
        IdentifierKind.PerceptualHash => $"pdq:{Value}",
        IdentifierKind.FileHashSha1 => $"sha1:{Value}",
        _ => $"{Kind}:{Value}",
    };
}

/// A precise reason a raw identifier was refused; Field is the request field at fault: "value", "platform" or "observed_at".
/// Descriptions never repeat the raw value: they end up in error replies and logs, and the value is suspect data.
public sealed record IdentifierViolation(string Field, string Description)
{
    public const string ValueField = "value";
    public const string PlatformField = "platform";
    public const string ObservedAtField = "observed_at";
    /// Only for a kind outside the enum (a client sending a number this hub does not know).
    public const string KindField = "kind";
}

/// Either a canonical identifier or the violation that refused it.
public readonly record struct CanonicalizationResult(CanonicalIdentifier? Identifier, IdentifierViolation? Violation)
{
    [MemberNotNullWhen(true, nameof(Identifier))]
    public bool IsValid => Identifier is not null;

    public static CanonicalizationResult Accepted(IdentifierKind kind, string value, string? qualifier = null) =>
        new(new CanonicalIdentifier(kind, value, qualifier), null);

    public static CanonicalizationResult Refused(string field, string description) =>
        new(null, new IdentifierViolation(field, description));
}
