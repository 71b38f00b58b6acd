namespace EvidenceHub.Hub.Identifiers;

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
