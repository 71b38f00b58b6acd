using EvidenceHub.Contracts.V1;

namespace EvidenceHub.Cli.Demo;

/// What happens to the ring's shared data after it is loaded (LED Art. 7(3), Art. 16): a regional unit narrows its
/// case's sharing, the lead restricts an identifier whose accuracy is contested, a German unit regrades one and asks
/// the other German force on the same IBAN to lead its case jointly. Each names the unit that must be told, so that
/// the demo can show that unit's feed.
public sealed record DemoLifecycle(DemoLifecycle.Narrowing Narrow, DemoLifecycle.Restriction Restrict, DemoLifecycle.Regrading Regrade, DemoLifecycle.Joining Join,
    DemoLifecycle.SharedImage Image)
{
    /// The owner narrows one case's sharing; Partner learned of it through a lookup and must be told.
    public sealed record Narrowing(string Unit, string Reference, SharingPolicy Policy, string Reason, string Partner);

    /// The owner restricts the identifier of the given kind in its case; Correlated holds it too and must be told.
    public sealed record Restriction(string Unit, string Reference, IdentifierKind Kind, string Reason, string LegalBasis, string Correlated);

    /// The owner regrades the identifier of the given kind in its case; Correlated holds it too and must be told.
    public sealed record Regrading(string Unit, string Reference, IdentifierKind Kind, Grading Grading, string Reason, string Correlated);

    /// The owner asks CoLead to co-lead its case; CoLead accepts, and the owner is told.
    public sealed record Joining(string Unit, string Reference, string CoLead, string Reason);

    /// Two units across a border hold the same victim's picture: Unit the original, OtherUnit a copy made smaller (the
    /// demo's synthetic images, SyntheticImages, drawn from the scenario's seed so that two scenarios share no picture).
    /// Hashed here; the hub matches them by PDQ distance and tells both.
    public sealed record SharedImage(string Unit, string Reference, string Image, string OtherUnit, string OtherReference, string OtherImage, ulong Seed)
    {
        /// The hosting party where the picture was found, asked to take it down (Helpwanted's path).
        public const string Provider = "NL-HOSTER-1";
        public const string Location = "https://files.hoster.example/u/4471/img_0193.jpg";
    }

    public static DemoLifecycle Of(DemoScenario scenario)
    {
        string RingCase(string unit) => scenario.Cases.First(c => c.Unit == unit && c.Ring).Reference;
        // AMBER, told to the national team only: the US partner (which found the case by the Dutch phone number) and
        // every other correlated unit may no longer use what they learned of it.
        var amber = new SharingPolicy { Tlp = Tlp.Amber, HandlingCode = HandlingCode.H2 };
        amber.PartnerUnits.Add(DemoScenario.LeadUnit);
        return new DemoLifecycle(
            new Narrowing("NL-ON-ZEDEN", RingCase("NL-ON-ZEDEN"), amber,
                "an officer now answers the offender from a victim's account; only NL-TBKK may know of this case", DemoScenario.Partner),
            // The Dutch IBAN is held by NL-TBKK and FR-OFMIN alone.
            new Restriction(DemoScenario.LeadUnit, RingCase(DemoScenario.LeadUnit), IdentifierKind.Iban,
                "the account holder says the account was opened in his name by someone else; not yet checked", "LED Art. 16(3)(a)", "FR-OFMIN"),
            // The German IBAN is held by DE-BKA and DE-LKA-NW alone.
            new Regrading("DE-BKA", RingCase("DE-BKA"), IdentifierKind.Iban,
                new Grading { SourceReliability = SourceReliability.A, InformationCredibility = InformationCredibility.KnownTrueWithoutReservation, Nature = InformationNature.Fact },
                "bank records (production order): the ransom payments of four victims went into this account", "DE-LKA-NW"),
            new Joining("DE-BKA", RingCase("DE-BKA"), "DE-LKA-NW",
                "one offender, two German forces on the same account: a joint investigation, led together"),
            new SharedImage(DemoScenario.LeadUnit, RingCase(DemoScenario.LeadUnit), "photo.png", "FR-OFMIN", RingCase("FR-OFMIN"), "photo-half.png", (ulong)scenario.Seed));
    }
}
