using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli;

/// The words people type for the hub's enums (and print back), e.g. "phone", "amber+strict", "13-15".
public static class Vocabulary
{
    private static readonly (string Word, IdentifierKind Kind, string KeyPrefix)[] Kinds =
    [
        ("phone", IdentifierKind.PhoneNumber, "phone"),
        ("email", IdentifierKind.EmailAddress, "email"),
        ("account", IdentifierKind.PlatformAccount, "account"),
        ("iban", IdentifierKind.Iban, "iban"),
        ("wallet", IdentifierKind.CryptoWallet, "wallet"),
        ("ip", IdentifierKind.IpAddress, "ip"),
        ("sha256", IdentifierKind.FileHashSha256, "sha256"),
        ("md5", IdentifierKind.FileHashMd5, "md5"),
        ("pdq", IdentifierKind.PerceptualHash, "pdq"),
    ];

    private static readonly (string Word, OffenceType Value)[] Offences =
    [
        ("sextortion", OffenceType.Sextortion), ("financial-sextortion", OffenceType.FinancialSextortion),
        ("grooming", OffenceType.Grooming), ("csam-distribution", OffenceType.CsamDistribution), ("other", OffenceType.Other),
    ];

    private static readonly (string Word, Tlp Value)[] Tlps =
    [
        ("clear", Tlp.Clear), ("green", Tlp.Green), ("amber", Tlp.Amber), ("amber+strict", Tlp.AmberStrict), ("red", Tlp.Red),
    ];

    private static readonly (string Word, HandlingCode Value)[] HandlingCodes =
    [
        ("h0", HandlingCode.H0), ("h1", HandlingCode.H1), ("h2", HandlingCode.H2), ("h3", HandlingCode.H3),
    ];

    private static readonly (string Word, AgeBand Value)[] AgeBands =
    [
        ("under-13", AgeBand.Under13), ("13-15", AgeBand._13To15), ("16-17", AgeBand._16To17), ("adult", AgeBand.Adult), ("unknown", AgeBand.Unknown),
    ];

    public static IEnumerable<string> KindWords => Kinds.Select(k => k.Word);
    public static IEnumerable<string> OffenceWords => Offences.Select(o => o.Word);
    public static IEnumerable<string> TlpWords => Tlps.Select(t => t.Word);
    public static IEnumerable<string> HandlingWords => HandlingCodes.Select(h => h.Word);
    public static IEnumerable<string> AgeBandWords => AgeBands.Select(a => a.Word);
    public static IEnumerable<string> ErasureBasisWords => ErasureBases.Select(b => b.Word);
    public static ErasureBasis? ParseErasureBasis(string? word) => Find(ErasureBases, word);
    public static string Word(ErasureBasis basis) => ErasureBases.FirstOrDefault(b => b.Value == basis).Word ?? basis.ToString();

    private static readonly (string Word, ErasureBasis Value)[] ErasureBases =
    [
        ("unlawful", ErasureBasis.UnlawfulProcessing), ("legal-obligation", ErasureBasis.LegalObligation),
        ("retention-expired", ErasureBasis.RetentionExpired), ("court-order", ErasureBasis.CourtOrder),
    ];

    public static IdentifierKind? ParseKind(string? word) => Find(Kinds.Select(k => (k.Word, k.Kind)), word);
    public static OffenceType? ParseOffence(string? word) => Find(Offences, word);
    public static Tlp? ParseTlp(string? word) => Find(Tlps, word?.Replace("tlp:", "", StringComparison.OrdinalIgnoreCase).Replace('_', '+'));
    public static HandlingCode? ParseHandling(string? word) => Find(HandlingCodes, word);
    public static AgeBand? ParseAgeBand(string? word) => Find(AgeBands, word);

    public static string Word(IdentifierKind kind) => Kinds.FirstOrDefault(k => k.Kind == kind).Word ?? kind.ToString();
    public static string Word(OffenceType offence) => Offences.FirstOrDefault(o => o.Value == offence).Word ?? offence.ToString();
    public static string Word(Tlp tlp) => "TLP:" + (Tlps.FirstOrDefault(t => t.Value == tlp).Word?.ToUpperInvariant() ?? tlp.ToString());
    public static string Word(HandlingCode code) => HandlingCodes.FirstOrDefault(h => h.Value == code).Word?.ToUpperInvariant() ?? code.ToString();
    public static string Word(AgeBand band) => AgeBands.FirstOrDefault(a => a.Value == band).Word ?? band.ToString();
    public static string Word(HandoffStatus status) => status.ToString().ToLowerInvariant();
    public static string Word(CaseStatus status) => status.ToString().ToLowerInvariant();

    /// The prefix of an identifier key of this kind, e.g. "phone" in "phone:+31612345678".
    public static string KeyPrefix(IdentifierKind kind) => Kinds.First(k => k.Kind == kind).KeyPrefix;
    public static IdentifierKind? KindOfKeyPrefix(string prefix) => Kinds.Where(k => k.KeyPrefix == prefix).Select(k => (IdentifierKind?)k.Kind).FirstOrDefault();

    /// "one of a, b, c" for error messages.
    public static string OneOf(IEnumerable<string> words) => "one of " + string.Join(", ", words);

    private static T? Find<T>(IEnumerable<(string Word, T Value)> table, string? word) where T : struct
    {
        if (string.IsNullOrWhiteSpace(word)) return null;
        var wanted = word.Trim().ToLowerInvariant();
        foreach (var (w, value) in table)
            if (w == wanted) return value;
        return null;
    }

    /// SIENA's 4×4 grading as a word: "B2", "B2-fact", "x4-assessment" (a part left out is "cannot be judged").
    public static Grading? ParseGrading(string? word)
    {
        if (string.IsNullOrWhiteSpace(word)) return null;
        var match = System.Text.RegularExpressions.Regex.Match(word.Trim(), "^([ABCX])([1-4])(?:[- ](fact|assessment))?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!match.Success) throw new UsageException($"--grading: '{word}' is not a grading like B2, B2-fact or X4-assessment");
        return new Grading
        {
            SourceReliability = (SourceReliability)("ABCX".IndexOf(char.ToUpperInvariant(match.Groups[1].Value[0])) + 1),
            InformationCredibility = (InformationCredibility)(match.Groups[2].Value[0] - '0'),
            Nature = match.Groups[3].Value.ToLowerInvariant() switch
            {
                "fact" => InformationNature.Fact,
                "assessment" => InformationNature.Assessment,
                _ => InformationNature.Unspecified,
            },
        };
    }

    public static string Word(Grading? grading) => grading is null
        ? "X4-assessment"
        : $"{grading.SourceReliability.ToString()[^1..]}{(int)grading.InformationCredibility}-{grading.Nature.ToString().ToLowerInvariant()}";

    public static T Required<T>(T? value, string option, string given, IEnumerable<string> words) where T : struct =>
        value ?? throw new UsageException($"{option}: '{given}' is not {OneOf(words)}");
}
