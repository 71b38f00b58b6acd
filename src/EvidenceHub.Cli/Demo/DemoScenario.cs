using EvidenceHub.Cli.Import;
using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Demo;

/// A synthetic sextortion ring as it reaches the police: one offender ring behind about forty fake profiles on five
/// platforms, three phone numbers, three IBANs and two wallets; 120 victims in six countries who reported to eight
/// units, each unit holding its own case with the part of the ring its victims saw. Plus unrelated background cases.
/// Nothing here is a real person: handles, numbers and accounts are generated (e-mail only on example.* domains),
/// victims are pseudonymous references, and the same seed always gives the same scenario.
public sealed class DemoScenario
{
    public sealed record DemoUnit(string Id, string Country, string Name);
    public sealed record DemoCase(string Unit, string Reference, CaseSpec Spec, bool Ring, int Victims);
    public sealed record PartnerQuestion(string Shown, SuspectIdentifierInput Raw, string Expectation);

    /// The eight reporting units; two countries have a national and a regional unit, as they do in practice.
    public static readonly DemoUnit[] ReportingUnits =
    [
        new("NL-TBKK", "NL", "Dutch national child exploitation team"),
        new("NL-ON-ZEDEN", "NL", "Dutch regional vice unit (East Netherlands)"),
        new("BE-FCCU", "BE", "Belgian Federal Computer Crime Unit"),
        new("DE-BKA", "DE", "German Federal Criminal Police Office"),
        new("DE-LKA-NW", "DE", "North Rhine-Westphalia State Criminal Police Office"),
        new("GB-NCA-CEOP", "GB", "UK National Crime Agency, CEOP"),
        new("FR-OFMIN", "FR", "French Office for Minors"),
        new("CA-RCMP-NCECC", "CA", "Canadian National Child Exploitation Crime Centre"),
    ];

    public const string Partner = "US-HSI-C3";
    public const string LeadUnit = "NL-TBKK";

    public int Seed { get; }
    public List<DemoCase> Cases { get; } = [];
    public Dictionary<string, List<ImportRow>> Rows { get; } = ReportingUnits.ToDictionary(u => u.Id, _ => new List<ImportRow>());
    public (string Unit, string Reference, string Target, string Reason) Handoff { get; private set; }
    /// The victim link the lead unit erases (its last of its first case).
    public (string Unit, string Reference, string VictimReference) Erased { get; private set; }
    public List<PartnerQuestion> PartnerQuestions { get; } = [];
    /// A canonical key the partner asks about blind, without sending the value.
    public string BlindQuestion { get; private set; } = "";
    public int RingAccounts { get; private set; }

    private readonly Synthetic make;
    private readonly HashSet<string> taken = [];
    private readonly Dictionary<string, int> nextLine = [];

    private sealed record Account(string Platform, string Handle)
    {
        public string Key => $"account:{Platform}:{Handle}";
    }

    private DemoScenario(int seed)
    {
        Seed = seed;
        make = new Synthetic(seed);
    }

    public DemoCase CaseOf(string reference) => Cases.First(c => c.Reference == reference);

    public static DemoScenario Generate(int seed = 2024)
    {
        var scenario = new DemoScenario(seed);
        scenario.Ring();
        scenario.Background();
        return scenario;
    }

    private static SharingPolicy Policy(Tlp tlp, HandlingCode code, string restrictions = "", params string[] partners)
    {
        var policy = new SharingPolicy { Tlp = tlp, HandlingCode = code, HandlingRestrictions = restrictions };
        policy.PartnerUnits.AddRange(partners);
        return policy;
    }

    private void Ring()
    {
        // 41 fake profiles: a few more on the platforms where the ring makes first contact.
        var platforms = make.Shuffle(Enumerable.Repeat("snapchat", 12).Concat(Enumerable.Repeat("instagram", 10))
            .Concat(Enumerable.Repeat("tiktok", 8)).Concat(Enumerable.Repeat("discord", 6)).Concat(Enumerable.Repeat("kik", 5)));
        var accounts = platforms.Select(p => new Account(p, make.Handle(taken))).ToList();
        RingAccounts = accounts.Count;
        var (phoneNl, phoneBe, phoneDe) = (make.Mobile("NL"), make.Mobile("BE"), make.Mobile("DE"));
        var (ibanNl, ibanBe, ibanDe) = (make.Iban("NL"), make.Iban("BE"), make.Iban("DE"));
        var (btc, eth) = (make.BitcoinAddress(), make.EthereumAddress());

        // Which part of the ring each unit's victims met: overlapping slices of the profiles, and the phone numbers,
        // accounts and wallets the victims were told to pay into. Every case shares something with another.
        (string Unit, string Reference, OffenceType Offence, SharingPolicy Policy, int From, int To, string[] Extra, int Victims)[] ringCases =
        [
            ("NL-TBKK", Ref("TBKK-2024-####"), OffenceType.FinancialSextortion, Policy(Tlp.Green, HandlingCode.H1), 0, 7, ["phone:NL", "iban:NL"], 18),
            ("NL-ON-ZEDEN", Ref("ON-ZED-2024-####"), OffenceType.Sextortion, Policy(Tlp.Green, HandlingCode.H0), 5, 10, ["phone:NL"], 12),
            ("BE-FCCU", Ref("FCCU-24-####"), OffenceType.FinancialSextortion, Policy(Tlp.Amber, HandlingCode.H2, "", Partner), 9, 14, ["iban:BE", "phone:BE"], 14),
            ("DE-BKA", Ref("BKA-SO24-####"), OffenceType.FinancialSextortion, Policy(Tlp.Green, HandlingCode.H2), 13, 19, ["wallet:btc", "iban:DE"], 13),
            ("DE-LKA-NW", Ref("LKA-NW-24-#####"), OffenceType.Sextortion, Policy(Tlp.Amber, HandlingCode.H2), 18, 23, ["phone:DE", "iban:DE"], 10),
            ("GB-NCA-CEOP", Ref("CEOP-24-#####"), OffenceType.FinancialSextortion, Policy(Tlp.AmberStrict, HandlingCode.H1, "", Partner), 22, 28, ["wallet:eth", "wallet:btc"], 16),
            ("FR-OFMIN", Ref("OFMIN-2024-####"), OffenceType.Sextortion, Policy(Tlp.Green, HandlingCode.H0), 27, 32, ["iban:NL"], 11),
            ("CA-RCMP-NCECC", Ref("NCECC-24-#####"), OffenceType.FinancialSextortion, Policy(Tlp.Green, HandlingCode.H1), 31, 36, ["wallet:btc", "phone:NL"], 12),
            ("NL-TBKK", Ref("TBKK-2025-####"), OffenceType.FinancialSextortion, Policy(Tlp.Green, HandlingCode.H2), 35, 39, ["iban:BE"], 8),
            ("DE-BKA", Ref("BKA-SO25-####"), OffenceType.Grooming, Policy(Tlp.Red, HandlingCode.H3, "covert investigation: no disclosure without the consent of BKA SO"), 38, 40, ["wallet:eth"], 6),
        ];

        foreach (var (unit, reference, offence, policy, from, to, extra, victims) in ringCases)
        {
            var country = ReportingUnits.First(u => u.Id == unit).Country;
            Cases.Add(new DemoCase(unit, reference, new CaseSpec(offence, policy), Ring: true, victims));
            var held = accounts.Skip(from).Take(to - from + 1).ToList();
            if (from == 38) held.InsertRange(0, accounts.Take(3));
            foreach (var account in held) Identifier(unit, reference, "account", RawHandle(account), RawPlatform(account.Platform));
            foreach (var item in extra)
            {
                var (raw, kind) = item switch
                {
                    "phone:NL" => (country == "NL" ? "06-" + phoneNl[4..] : Spaced(phoneNl), "phone"),
                    "phone:BE" => (Spaced(phoneBe), "phone"),
                    "phone:DE" => (country == "DE" ? "0" + phoneDe[3..6] + " " + phoneDe[6..] : Spaced(phoneDe), "phone"),
                    "iban:NL" => (make.Next(2) == 0 ? Synthetic.Printed(ibanNl) : ibanNl, "iban"),
                    "iban:BE" => (Synthetic.Printed(ibanBe), "iban"),
                    "iban:DE" => (make.Next(2) == 0 ? Synthetic.Printed(ibanDe) : ibanDe, "iban"),
                    "wallet:btc" => (make.Next(2) == 0 ? "bitcoin:" + btc : btc, "wallet"),
                    "wallet:eth" => (eth, "wallet"),
                    _ => throw new InvalidOperationException(item),
                };
                Identifier(unit, reference, kind, raw, "");
            }
            for (var v = 1; v <= victims; v++) Victim(unit, reference, v, country, make.Pick(held).Key, new DateOnly(2023, 9, 1), new DateOnly(2025, 1, 31));
        }

        var first = Cases[0];
        Erased = (first.Unit, first.Reference, $"{first.Reference}-V{first.Victims:D3}");
        Handoff = ("BE-FCCU", Cases.First(c => c.Unit == "BE-FCCU").Reference, LeadUnit, "the suspects operate from the Netherlands; NL-TBKK leads the investigation of the ring");

        // A US partner checks what its own reports hold. Raw values as the partner has them; the hub canonicalises.
        PartnerQuestions.Add(new("a Snapchat profile from a US tip", Input(IdentifierKind.PlatformAccount, "@" + accounts.First(a => a.Platform == "snapchat").Handle, "snapchat"), "hit"));
        PartnerQuestions.Add(new("the phone number victims were told to pay to", Input(IdentifierKind.PhoneNumber, Spaced(phoneNl), ""), "hit"));
        PartnerQuestions.Add(new("the Bitcoin wallet from a ransom note", Input(IdentifierKind.CryptoWallet, btc, ""), "hit"));
        PartnerQuestions.Add(new("the German IBAN", Input(IdentifierKind.Iban, Synthetic.Printed(ibanDe), ""), "hit"));
        PartnerQuestions.Add(new("a profile known only to an AMBER case without US partners", Input(IdentifierKind.PlatformAccount, accounts[20].Handle, accounts[20].Platform), "no hit (AMBER)"));
        PartnerQuestions.Add(new("a profile known only to a RED case", Input(IdentifierKind.PlatformAccount, accounts[40].Handle, accounts[40].Platform), "no hit (RED)"));
        PartnerQuestions.Add(new("an unrelated profile", Input(IdentifierKind.PlatformAccount, make.Handle(taken), "instagram"), "no hit"));
        BlindQuestion = "iban:" + ibanNl;
    }

    private void Background()
    {
        (OffenceType Offence, Tlp Tlp)[] kinds =
        [
            (OffenceType.Grooming, Tlp.Green), (OffenceType.CsamDistribution, Tlp.Amber), (OffenceType.Sextortion, Tlp.Green),
            (OffenceType.FinancialSextortion, Tlp.Amber), (OffenceType.Other, Tlp.Green), (OffenceType.Grooming, Tlp.Red),
        ];
        var references = new HashSet<string>(Cases.Select(c => c.Reference));
        for (var i = 0; i < 12; i++)
        {
            var unit = ReportingUnits[i % ReportingUnits.Length];
            var prefix = Cases.First(c => c.Unit == unit.Id).Reference.Split('-')[0];
            string reference;
            do reference = $"{prefix}-{make.Pick(["23", "24", "25"])}-{make.Digits(4)}"; while (!references.Add(reference));
            var (offence, tlp) = kinds[i % kinds.Length];
            var victims = make.Next(1, 5);
            Cases.Add(new DemoCase(unit.Id, reference, new CaseSpec(offence, Policy(tlp, HandlingCode.H0)), Ring: false, victims));
            var account = new Account(make.Pick(["snapchat", "instagram", "tiktok", "discord", "telegram"]), make.Handle(taken));
            Identifier(unit.Id, reference, "account", account.Handle, account.Platform);
            if (make.Next(2) == 0) Identifier(unit.Id, reference, "email", make.Email(make.Handle(taken)), "");
            if (make.Next(3) == 0 && unit.Country is "NL" or "BE" or "DE" or "FR" or "GB")
                Identifier(unit.Id, reference, "phone", Spaced(make.Mobile(unit.Country)), "");
            for (var v = 1; v <= victims; v++) Victim(unit.Id, reference, v, unit.Country, account.Key, new DateOnly(2023, 1, 1), new DateOnly(2025, 3, 31));
        }
    }

    /// A case reference in the unit's own numbering, its digits drawn from the seed: another seed, other cases.
    private string Ref(string template) => string.Concat(template.Select(c => c == '#' ? (char)('0' + make.Next(10)) : c));

    private static SuspectIdentifierInput Input(IdentifierKind kind, string value, string platform) => new() { Kind = kind, Value = value, Platform = platform };

    /// Units type handles every way: with '@', as a profile URL, in capitals.
    private string RawHandle(Account account) => make.Next(6) switch
    {
        0 => "@" + account.Handle,
        1 when account.Platform == "instagram" => $"https://www.instagram.com/{account.Handle}/",
        1 when account.Platform == "tiktok" => $"https://www.tiktok.com/@{account.Handle}",
        1 when account.Platform == "snapchat" => $"https://www.snapchat.com/add/{account.Handle}",
        2 => account.Handle.ToUpperInvariant(),
        _ => account.Handle,
    };

    private string RawPlatform(string platform) => (platform, make.Next(3)) switch
    {
        ("snapchat", 0) => "Snap",
        ("instagram", 0) => "IG",
        ("instagram", 1) => "Insta",
        ("tiktok", 0) => "TikTok",
        (_, 2) => platform[..1].ToUpperInvariant() + platform[1..],
        _ => platform,
    };

    /// "+31 6 12345678": how numbers appear in statements.
    private static string Spaced(string e164) => e164[..3] + " " + e164[3..4] + " " + e164[4..];

    private void Identifier(string unit, string reference, string kind, string value, string platform) =>
        Row(unit, new() { ["case"] = reference, ["kind"] = kind, ["value"] = value, ["platform"] = platform });

    private void Victim(string unit, string reference, int number, string country, string contactedBy, DateOnly from, DateOnly to)
    {
        var roll = make.Next(100);
        var band = roll < 10 ? "under-13" : roll < 55 ? "13-15" : roll < 95 ? "16-17" : "unknown";
        Row(unit, new()
        {
            ["case"] = reference, ["victim"] = $"{reference}-V{number:D3}", ["age_band"] = band, ["country"] = country,
            ["first_contact"] = make.Date(from, to).ToString("yyyy-MM-dd"), ["contacted_by"] = contactedBy,
        });
    }

    private void Row(string unit, Dictionary<string, string> values)
    {
        var line = nextLine[unit] = nextLine.GetValueOrDefault(unit, 1) + 1;
        var raw = ImportPlan.Columns.Select(c => values.GetValueOrDefault(c, "")).ToArray();
        Rows[unit].Add(new ImportRow(line, raw, ImportPlan.Columns.Zip(raw).ToDictionary(p => p.First, p => p.Second)));
    }
}
