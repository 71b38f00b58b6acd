using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Media;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Media.NearMatch;
using Grpc.Core;
using Microsoft.Extensions.Options;
using static EvidenceHub.Tests.Deciders.Sample;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;
using Tlp = EvidenceHub.Hub.Cases.Tlp;

namespace EvidenceHub.Tests.Deciders;

public sealed class MediaDeciderTests
{
    private static readonly Guid Mine = Guid.NewGuid(), Theirs = Guid.NewGuid();
    private static readonly Hash256 Base = Hash256.Random(new Random(14));
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string OtherSha = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    private static Hash256 Flipped(Hash256 hash, int bits)
    {
        for (var k = 0; k < bits; k++) hash = hash.FlipBit(k * 7);
        return hash;
    }

    private static MediaHashes Holding(params Hash256[] hashes)
    {
        var media = new MediaHashes(Options.Create(new MediaOptions()));
        foreach (var hash in hashes) media.Add(hash);
        return media;
    }

    public static AddMedia Media(Guid caseId, Caller by, MediaHashes media, string sha256 = Sha, Hash256? pdq = null, int quality = 90, string victim = "",
        bool providerFilter = false) =>
        AddMedia.From(new AddMediaRequest
        {
            CommandId = NewCommandId(), CaseId = caseId.ToString(), Sha256 = sha256, Pdq = pdq?.ToHex() ?? "", PdqQuality = pdq is null ? 0 : quality,
            VictimIdentified = true, Distributed = true, Category = 1, VictimReference = victim, ProviderFilter = providerFilter,
        }, by, On(caseId), media, new CorrelationOptions(), new CaseLimits());

    private static SuspectIdentifierAdded Held(Guid caseId, IdentifierKind kind, string value)
    {
        return Added(caseId, new RawIdentifier(kind, value));
    }

    /// The case's stored media records, as the engine reads them before deciding.
    private static CaseMediaRecords Known(params MediaAdded[] added) => new(added.Select(a => MediaRecord.From(a, DeciderSpec.Now)));

    private static CaseParty Party(CaseOpened opened) => CaseParty.Of(CaseFile.Evolve(null, opened, DeciderSpec.Now)!);

    [Fact]
    public void A_media_record_adds_its_hashes_as_identifiers_and_records_its_flags()
    {
        var pdq = Base;
        var outcome = DeciderSpec.Given(Opened(Mine, Nl)).When(Media(Mine, Nl, Holding(), pdq: pdq));
        outcome.Then(Held(Mine, IdentifierKind.FileHashSha256, Sha), Held(Mine, IdentifierKind.PerceptualHash, pdq.ToHex()),
            new MediaAdded(Mine, ["sha256:" + Sha, "pdq:" + pdq.ToHex()], pdq.ToHex(), 90, true, false, true, 1, null));
    }

    [Fact]
    public void The_owners_provider_filter_flag_is_recorded_on_the_media_record_and_kept_by_it()
    {
        var outcome = DeciderSpec.Given(Opened(Mine, Nl, Tlp.Red)).When(Media(Mine, Nl, Holding(), providerFilter: true));
        var added = new MediaAdded(Mine, ["sha256:" + Sha], null, 0, true, false, true, 1, null, ProviderFilter: true);
        outcome.Then(Held(Mine, IdentifierKind.FileHashSha256, Sha), added);
        Assert.True(MediaRecord.From(added, DeciderSpec.Now).ProviderFilter);
        // Unset, hosting parties never learn of the record.
        var unflagged = DeciderSpec.Given(Opened(Mine, Nl)).When(Media(Mine, Nl, Holding()));
        Assert.False(Assert.Single(unflagged.Decision!.Events.OfType<MediaAdded>()).ProviderFilter);
    }

    [Fact]
    public void A_pdq_hash_within_the_distance_of_another_cases_correlates_with_the_distance()
    {
        var theirs = Opened(Theirs, Be, Tlp.Green);
        var near = Flipped(Base, 31);
        var outcome = DeciderSpec.Given(theirs, Held(Theirs, IdentifierKind.PerceptualHash, Base.ToHex()), Opened(Mine, Nl))
            .When(Media(Mine, Nl, Holding(Base), pdq: near));
        var found = Assert.Single(outcome.Decision!.Events.OfType<CorrelationFound>());
        Assert.Equal(new CorrelationFound("pdq:" + near.ToHex(), IdentifierKind.PerceptualHash, Party(Opened(Mine, Nl)), Party(theirs)) { Distance = 31 }, found);
        Assert.Equal(1, outcome.Result<CommandResult>().Correlations);
    }

    [Fact]
    public void A_pdq_hash_32_bits_away_does_not_correlate()
    {
        var outcome = DeciderSpec.Given(Opened(Theirs, Be, Tlp.Green), Held(Theirs, IdentifierKind.PerceptualHash, Base.ToHex()), Opened(Mine, Nl))
            .When(Media(Mine, Nl, Holding(Base), pdq: Flipped(Base, 32)));
        Assert.Empty(outcome.Decision!.Events.OfType<CorrelationFound>());
    }

    [Fact]
    public void A_near_match_with_a_red_case_is_recorded_but_not_counted_for_the_adding_unit()
    {
        var outcome = DeciderSpec.Given(Opened(Theirs, Be, Tlp.Red), Held(Theirs, IdentifierKind.PerceptualHash, Base.ToHex()), Opened(Mine, Nl))
            .When(Media(Mine, Nl, Holding(Base), pdq: Flipped(Base, 3)));
        Assert.Equal(3, Assert.Single(outcome.Decision!.Events.OfType<CorrelationFound>()).Distance);
        Assert.Equal(0, outcome.Result<CommandResult>().Correlations);
    }

    [Fact]
    public void The_same_media_record_twice_is_one()
    {
        var spec = DeciderSpec.Given(Opened(Mine, Nl), Held(Mine, IdentifierKind.FileHashSha256, Sha),
            new MediaAdded(Mine, ["sha256:" + Sha], null, 0, true, false, true, 1, null));
        var again = Media(Mine, Nl, Holding());
        again.Records = Known(new MediaAdded(Mine, ["sha256:" + Sha], null, 0, true, false, true, 1, null));
        spec.When(again).Then();
    }

    [Fact]
    public void The_same_media_record_twice_in_one_burst_is_one()
    {
        var records = Known();
        var first = Media(Mine, Nl, Holding());
        var second = Media(Mine, Nl, Holding());
        first.Records = second.Records = records;
        var spec = DeciderSpec.Given(Opened(Mine, Nl));
        Assert.Single(spec.When(first).Decision!.Events.OfType<MediaAdded>());
        Assert.Empty(spec.When(second).Decision!.Events.OfType<MediaAdded>());
    }

    [Fact]
    public void The_case_file_is_not_changed_by_media()
    {
        var opened = CaseFile.Evolve(null, Opened(Mine, Nl), DeciderSpec.Now)!;
        var added = new MediaAdded(Mine, ["sha256:" + Sha], null, 0, true, false, true, 1, null);
        Assert.Same(opened, CaseFile.Evolve(opened, added, DeciderSpec.Now.AddMinutes(1)));
        Assert.DoesNotContain(typeof(MediaAdded), CaseFile.EventsThatChangeTheFile);
    }

    [Fact]
    public void Bad_media_requests_name_their_field()
    {
        var media = Holding();
        DeciderSpec.WhenBuilding(() => Media(Mine, Nl, media, pdq: Base, quality: 49)).ThenRejected(StatusCode.InvalidArgument, "pdq_quality");
        DeciderSpec.WhenBuilding(() => Media(Mine, Nl, media, sha256: "")).ThenRejected(StatusCode.InvalidArgument, "sha256");
        DeciderSpec.WhenBuilding(() => Media(Mine, Nl, media, sha256: "abc")).ThenRejected(StatusCode.InvalidArgument, "sha256.value");
        DeciderSpec.WhenBuilding(() => AddMedia.From(new AddMediaRequest { CommandId = NewCommandId(), CaseId = Mine.ToString(), Sha256 = Sha, Pdq = "xyz", PdqQuality = 90 },
            Nl, On(Mine), media, new CorrelationOptions(), new CaseLimits())).ThenRejected(StatusCode.InvalidArgument, "pdq");
        DeciderSpec.Given(Opened(Mine, Nl)).When(Media(Mine, Nl, media, victim: "V-unknown")).ThenRejected(StatusCode.InvalidArgument, "victim_reference");
    }

    [Fact]
    public void Only_the_owner_adds_media()
    {
        DeciderSpec.Given(Opened(Theirs, Be)).When(Media(Theirs, Nl, Holding())).ThenRejected(StatusCode.PermissionDenied, "NOT_CASE_OWNER");
    }

    [Fact]
    public void Retracting_media_retracts_its_identifiers()
    {
        var added = new MediaAdded(Mine, ["sha256:" + Sha, "pdq:" + Base.ToHex()], Base.ToHex(), 90, false, false, false, 0, null);
        var spec = DeciderSpec.Given(Opened(Mine, Nl), Held(Mine, IdentifierKind.FileHashSha256, Sha), Held(Mine, IdentifierKind.PerceptualHash, Base.ToHex()), added);
        var retract = RetractMedia.From(new RetractMediaRequest { CommandId = NewCommandId(), CaseId = Mine.ToString(), FileHash = Sha, Reason = "wrong file" }, Nl, On(Mine), Holding());
        retract.Records = Known(added);
        var outcome = spec.When(retract);
        Assert.Equal(["SuspectIdentifierRetracted", "SuspectIdentifierRetracted", "MediaRetracted"], outcome.Decision!.Events.Select(e => e.GetType().Name));
        var unknown = RetractMedia.From(new RetractMediaRequest { CommandId = NewCommandId(), CaseId = Mine.ToString(), FileHash = OtherSha, Reason = "wrong file" }, Nl, On(Mine), Holding());
        unknown.Records = Known(added);
        spec.When(unknown).ThenRejected(StatusCode.NotFound, "file_hash");
    }
}
