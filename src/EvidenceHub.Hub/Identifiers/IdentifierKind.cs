namespace EvidenceHub.Hub.Identifiers;

/// Numbered as the proto's IdentifierKind (0 is its UNSPECIFIED), so that a cast maps one onto the other; stored by name.
public enum IdentifierKind
{
    PhoneNumber = 1,
    EmailAddress = 2,
    PlatformAccount = 3,
    Iban = 4,
    CryptoWallet = 5,
    IpAddress = 6,
    FileHashSha256 = 7,
    FileHashMd5 = 8,
    PerceptualHash = 9,
    FileHashSha1 = 10,
}
