using System.Security.Cryptography;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Media.NearMatch;
using EvidenceHub.Tests.Audit;
using EvidenceHub.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using static EvidenceHub.Tests.Infrastructure.Commands;

namespace EvidenceHub.Tests.Media;

/// Hosting parties check hashes over real gRPC and PostgreSQL (HashCheckService): a hash is known only through a media
/// record its owner flagged for providers, and every hash a provider may not learn answers exactly like a hash nobody
/// holds. Each test uses hashes of its own, so that the tests of this hub never match each other.
public sealed class HashCheckTests(HubFixture hub) : IClassFixture<HubFixture>
{
    public const string Provider = "NL-HOSTER-1";
    private const string Basis = "LED Art. 16(3)(a): accuracy contested";
    private readonly CaseService.CaseServiceClient nl = hub.Cases("NL-TBKK");
    private readonly CaseService.CaseServiceClient be = hub.Cases("BE-FCCU");
    private readonly HashCheckService.HashCheckServiceClient provider = new(hub.Channel(hub.CertificateOf(Provider)));

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static Hash256 NewPdq() => Hash256.Random(new Random(RandomNumberGenerator.GetInt32(int.MaxValue)));

    private static Hash256 Flipped(Hash256 hash, int bits)
    {
        for (var k = 0; k < bits; k++) hash = hash.FlipBit(k * 7 % 256);
        return hash;
    }

    private static AddMediaRequest Media(string caseId, bool flagged, int category = 1, string? sha256 = null, Hash256? pdq = null) => new()
    {
        CommandId = NewId(), CaseId = caseId, Sha256 = sha256 ?? Hex(32), Md5 = Hex(16), Sha1 = Hex(20),
        Pdq = pdq?.ToHex() ?? "", PdqQuality = pdq is null ? 0 : 90, Category = category, Distributed = true, ProviderFilter = flagged,
    };

    private static HashQuestion Sha256(string hex) => new() { Sha256 = hex };

    private static HashQuestion Pdq(Hash256 hash) => new() { Pdq = hash.ToHex() };

    private async Task<List<HashAnswer>> Check(params HashQuestion[] questions) =>
        (await provider.CheckHashesAsync(new CheckHashesRequest { Questions = { questions } })).Answers.ToList();

    private static void SameBytes(IMessage expected, IMessage actual) => Assert.Equal(expected.ToByteArray(), actual.ToByteArray());

    [Fact]
    public async Task A_flagged_hash_is_known_with_the_highest_category_among_its_records_even_in_a_red_case()
    {
        var red = await nl.OpenedCase(Tlp.Red);
        var media = Media(red, flagged: true, category: 2);
        await nl.AddMediaAsync(media);

        var answers = await Check(Sha256("SHA256:" + media.Sha256.ToUpperInvariant()), new HashQuestion { Md5 = media.Md5 }, new HashQuestion { Sha1 = media.Sha1 });
        Assert.All(answers, answer => SameBytes(new HashAnswer { Known = true, Category = 2 }, answer));

        // Another unit's record of the same file, of a higher category: the answer says the highest, nothing more.
        await be.AddMediaAsync(Media(await be.OpenedCase(Tlp.Green), flagged: true, category: 4, sha256: media.Sha256));
        SameBytes(new HashAnswer { Known = true, Category = 4 }, (await Check(Sha256(media.Sha256)))[0]);
    }

    [Fact]
    public async Task Unflagged_retracted_restricted_and_unheld_hashes_answer_alike_byte_for_byte()
    {
        var unflagged = Media(await nl.OpenedCase(Tlp.Green), flagged: false);
        await nl.AddMediaAsync(unflagged);
        var retractedCase = await nl.OpenedCase(Tlp.Green);
        var retracted = Media(retractedCase, flagged: true);
        await nl.AddMediaAsync(retracted);
        await nl.RetractMediaAsync(new RetractMediaRequest { CommandId = NewId(), CaseId = retractedCase, FileHash = retracted.Sha256, Reason = "added to the wrong case" });
        var restrictedCase = await nl.OpenedCase(Tlp.Green);
        var restricted = Media(restrictedCase, flagged: true);
        await nl.AddMediaAsync(restricted);
        await nl.RestrictDataAsync(new RestrictDataRequest { CommandId = NewId(), CaseId = restrictedCase, WholeCase = true, Reason = "contested", LegalBasis = Basis });
        var restrictedHashCase = await nl.OpenedCase(Tlp.Green);
        var restrictedHash = Media(restrictedHashCase, flagged: true);
        await nl.AddMediaAsync(restrictedHash);
        await nl.RestrictDataAsync(new RestrictDataRequest
        {
            CommandId = NewId(), CaseId = restrictedHashCase, IdentifierKey = "sha256:" + restrictedHash.Sha256, Reason = "contested", LegalBasis = Basis,
        });

        var hidden = new[] { unflagged, retracted, restricted, restrictedHash }.Select(m => Sha256(m.Sha256)).ToArray();
        var nobody = Enumerable.Range(0, hidden.Length).Select(_ => Sha256(Hex(32))).ToArray();
        var asked = await provider.CheckHashesAsync(new CheckHashesRequest { Questions = { hidden } });
        var unheld = await provider.CheckHashesAsync(new CheckHashesRequest { Questions = { nobody } });

        SameBytes(unheld, asked);
        Assert.All(asked.Answers, answer => SameBytes(new HashAnswer(), answer));
        // The restriction was what hid it: lifted, the hash is known again (and the restricted hash's sibling hashes were known all along).
        await nl.LiftRestrictionAsync(new LiftRestrictionRequest { CommandId = NewId(), CaseId = restrictedCase, WholeCase = true, Reason = "resolved" });
        SameBytes(new HashAnswer { Known = true, Category = 1 }, (await Check(Sha256(restricted.Sha256)))[0]);
        SameBytes(new HashAnswer { Known = true, Category = 1 }, (await Check(new HashQuestion { Md5 = restrictedHash.Md5 }))[0]);
    }

    [Fact]
    public async Task A_pdq_hash_within_31_bits_of_a_flagged_one_is_known_with_the_distance_and_32_bits_away_is_not()
    {
        var flagged = NewPdq();
        await nl.AddMediaAsync(Media(await nl.OpenedCase(Tlp.Amber), flagged: true, category: 3, pdq: flagged));
        // An unflagged picture nearer to the question than the flagged one: never the nearest a provider hears of.
        var unflagged = Flipped(flagged, 5);
        await be.AddMediaAsync(Media(await be.OpenedCase(Tlp.Green), flagged: false, category: 9, pdq: unflagged));

        var answers = await Check(Pdq(flagged), Pdq(Flipped(flagged, 31)), Pdq(Flipped(flagged, 32)), Pdq(unflagged), Pdq(NewPdq()));

        SameBytes(new HashAnswer { Known = true, Category = 3, Distance = 0 }, answers[0]);
        SameBytes(new HashAnswer { Known = true, Category = 3, Distance = 31 }, answers[1]);
        SameBytes(new HashAnswer(), answers[2]);
        SameBytes(new HashAnswer { Known = true, Category = 3, Distance = 5 }, answers[3]);
        SameBytes(new HashAnswer(), answers[4]);
    }

    [Fact]
    public async Task Each_call_leaves_one_access_record_with_the_hashes_asked_and_how_many_were_known_not_which()
    {
        var caseId = await nl.OpenedCase(Tlp.Green);
        var known = Media(caseId, flagged: true);
        await nl.AddMediaAsync(known);
        var unknown = Hex(32);
        var from = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1));

        await Check(Sha256(known.Sha256), Sha256(unknown), new HashQuestion { Md5 = known.Md5 });

        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = Provider, IdentifierKey = "sha256:" + unknown });
        var record = Assert.Single(records);
        Assert.Equal((Provider, "CheckHashes", AccessOutcome.Allowed, "3 hashes"), (record.Unit, record.Operation, record.Outcome, record.Asked));
        Assert.StartsWith("2 of 3 hashes known", record.Disclosed);
        Assert.Equal(["sha256:" + known.Sha256, "sha256:" + unknown, "md5:" + known.Md5], record.IdentifierKeys);
        Assert.Equal("", record.CaseId);
        // Nothing of the case that holds the known hashes is in the record.
        Assert.DoesNotContain("NL-TBKK", record.ToString());
        Assert.DoesNotContain(caseId, record.ToString());
        Assert.Single(await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = Provider, From = from, IdentifierKey = "md5:" + known.Md5 }));
    }

    [Fact]
    public async Task A_question_that_is_not_a_hash_refuses_the_call_naming_it_and_is_recorded()
    {
        Assert.Equal((StatusCode.InvalidArgument, "questions[1].sha256"), Named(await Failure(() => Check(Sha256(Hex(32)), Sha256(Hex(16))))));
        Assert.Equal((StatusCode.InvalidArgument, "questions[0].pdq"), Named(await Failure(() => Check(new HashQuestion { Pdq = "zz" + Hex(31) }))));
        Assert.Equal((StatusCode.InvalidArgument, "questions[2]"), Named(await Failure(() => Check(Sha256(Hex(32)), Sha256(Hex(32)), new HashQuestion()))));
        Assert.Equal((StatusCode.InvalidArgument, "questions"), Named(await Failure(() => Check())));
        var tooMany = Enumerable.Range(0, 1_001).Select(_ => Sha256(Hex(32))).ToArray();
        Assert.Equal((StatusCode.InvalidArgument, "questions"), Named(await Failure(() => Check(tooMany))));

        var records = await hub.Audit("EU-AUDIT").AccessLog(new QueryAccessLogRequest { Unit = Provider });
        Assert.Contains(records, r => r.Operation == "CheckHashes" && r.Outcome == AccessOutcome.Refused && r.Disclosed.Contains("questions[1].sha256"));
    }

    private static (StatusCode, string?) Named((StatusCode Code, string? Field, Google.Rpc.Status Status) failure) => (failure.Code, failure.Field);
}
