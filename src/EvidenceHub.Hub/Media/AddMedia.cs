using EvidenceHub.Hub.Erasure;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Limits;
using EvidenceHub.Hub.Sharing;
using EvidenceHub.Media.NearMatch;
using IdentifierKind = EvidenceHub.Hub.Identifiers.IdentifierKind;

namespace EvidenceHub.Hub.Media;

/// The owner records an image or video of its case by its hashes. Each hash is added as a suspect identifier (so it
/// correlates and is looked up like one); the PDQ hash also correlates with every other case's PDQ hash within the
/// match distance, each such correlation carrying its distance. The same media record twice is one.
public sealed record AddMedia(
    IReadOnlyList<AddSuspectIdentifier> Hashes, Hash256? Pdq, int PdqQuality, AddMediaRequest Flags, MediaHashes Index) : Command
{
    public const int MaxCategory = 99;

    public static AddMedia From(AddMediaRequest request, Caller caller, CaseTarget target, MediaHashes media, CorrelationOptions correlation, CaseLimits limits)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        Hash256? pdq = null;
        if (request.Pdq.Length > 0)
        {
            if (!Hash256.TryParse(request.Pdq.Trim(), out var parsed)) throw Rejection.InvalidArgument("pdq", "a PDQ hash is 64 hex digits");
            if (request.PdqQuality is < 0 or > 100) throw Rejection.InvalidArgument("pdq_quality", "is 0 to 100");
            if (request.PdqQuality < media.Options.MinQuality)
                throw Rejection.InvalidArgument("pdq_quality", $"{request.PdqQuality} is below the minimum quality {media.Options.MinQuality}: such a hash matches unrelated images; send the media without pdq");
            pdq = parsed;
        }
        else if (request.PdqQuality != 0) throw Rejection.InvalidArgument("pdq_quality", "is given only with pdq");
        if (request.Category is < 0 or > MaxCategory) throw Rejection.InvalidArgument("category", $"is 0 to {MaxCategory}");
        RequestFields.Text(request.VictimReference, "victim_reference", RequestFields.MaxReferenceLength, required: false);

        var hashes = new List<AddSuspectIdentifier>();
        void Hash(string value, Contracts.V1.IdentifierKind kind, string field)
        {
            if (value.Length == 0) return;
            var input = new SuspectIdentifierInput { Kind = kind, Value = value };
            var raw = IdentifierMapping.RawOf(input, field);
            // Checked here, so that a bad hash names its own field.
            IdentifierMapping.Canonicalize(raw, "", field);
            hashes.Add(new AddSuspectIdentifier(raw, correlation, limits) { CommandId = commandId, Caller = caller, Request = request, Case = target });
        }
        Hash(request.Sha256, Contracts.V1.IdentifierKind.FileHashSha256, "sha256");
        Hash(request.Sha1, Contracts.V1.IdentifierKind.FileHashSha1, "sha1");
        Hash(request.Md5, Contracts.V1.IdentifierKind.FileHashMd5, "md5");
        if (hashes.Count == 0) throw Rejection.InvalidArgument("sha256", "a media record needs at least one file hash (sha256, sha1 or md5)");
        if (pdq is { } hash) Hash(hash.ToHex(), Contracts.V1.IdentifierKind.PerceptualHash, "pdq");

        return new AddMedia(hashes, pdq, request.PdqQuality, request, media)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    /// Every media command reads the records it decides on; one with a PDQ hash also takes the near-match lock.
    public override ICommandPreparation? Preparation => Index;

    /// The identifier keys of its hashes, as MediaAdded lists them (a file hash's key needs no country).
    public IReadOnlyList<string> Keys { get; } = [.. Hashes.Select(h => IdentifierMapping.Canonicalize(h.Raw, "").Key)];

    public string RecordId => MediaRecord.IdFor(CaseId!.Value, Keys);

    /// The case's media records, read before the burst decides (MediaHashes.Prepare); none when nothing read them.
    public CaseMediaRecords Records { get; set; } = new();

    private string? PdqKey => Pdq is { } hash ? MediaHashes.KeyOf(hash) : null;

    // Read once, after the preparation caught the index up: the keys locked are the keys decided on.
    private IReadOnlyList<(string Key, int Distance)>? near;
    private IReadOnlyList<(string Key, int Distance)> Near => near ??= Pdq is { } hash ? Index.Near(hash) : [];

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) =>
        state is null ? [] : [.. Hashes.SelectMany(h => h.KeysToLock(state)), .. Near.Select(n => n.Key)];

    /// A named victim is found among the case's links by its reference, opened with the case's keys.
    public override bool ReadsSealedFields => Flags.VictimReference.Trim().Length > 0;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) => Decide(state, index, new SubjectKeyRing(), now);

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing subjectKeys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var decided = Hashes.Select(h => h.Decide(current, index, subjectKeys, now)).ToList();
        var keys = decided.Select(d => ((CommandResult)d.Result).Identifier.Key).ToList();
        var first = (CommandResult)decided[0].Result;
        if (Records.Holds(current.Id, keys))
            return new([], new CommandResult { Identifier = first.Identifier, Correlations = 0, Common = first.Common });
        var victim = Flags.VictimReference.Trim();
        var shown = victim.Length == 0 ? null : current.Victims.FirstOrDefault(v => !v.IsErased
            && v.VictimReference.Open(subjectKeys, nameof(Victims.VictimLinked.VictimReference)) == victim)
            ?? throw Rejection.InvalidArgument("victim_reference", "names no victim linked to this case (LinkVictim first)");

        var added = new MediaAdded(current.Id, keys, Pdq?.ToHex(), PdqQuality, Flags.VictimIdentified, Flags.OffenderIdentified,
            Flags.Distributed, Flags.Category, shown?.VictimLinkId, Flags.ProviderFilter);
        var nearMatches = NearMatches(current, index);
        Records.Record(added, now);
        var events = decided.SelectMany(d => d.Events).Append(added).Concat(nearMatches).ToList();
        return new(events, new CommandResult
        {
            Identifier = first.Identifier,
            Correlations = decided.Sum(d => ((CommandResult)d.Result).Correlations)
                + nearMatches.Count(found => CaseDisclosure.Of(found.Holding, new Recipient(found.Adding.Unit)) != DisclosureLevel.None),
            Common = first.Common,
        });
    }

    /// One correlation per other case holding a PDQ hash within the distance (the nearest, if it holds several); none
    /// when the unit marked its hash not to correlate or the hash is common, nor with a unit that marked it.
    private List<CorrelationFound> NearMatches(CaseFile adding, LockedIdentifiers index)
    {
        if (PdqKey is not { } key || index.IsCommon(key) || index.NotToCorrelateBy(key).Contains(adding.OwnerUnit)) return [];
        var me = CaseParty.Of(adding);
        var exact = index.HoldersOf(key).Select(h => h.CaseId).ToHashSet();
        // Hashes an earlier command of this burst added are locked (that command's own keys) but not yet indexed.
        var inBurst = Records.NearAddedInBurst(Pdq!.Value, Index.Options.MatchDistance).Where(b => Near.All(n => n.Key != b.Key));
        return Near.Concat(inBurst)
            .SelectMany(n => index.HoldersOf(n.Key).Where(h => !index.NotToCorrelateBy(n.Key).Contains(h.Unit)).Select(holder => (holder, n.Distance)))
            .Where(m => m.holder.CaseId != adding.Id && !exact.Contains(m.holder.CaseId))
            .GroupBy(m => m.holder.CaseId)
            .Select(g => g.MinBy(m => m.Distance))
            .Select(m => new CorrelationFound(key, IdentifierKind.PerceptualHash, me, m.holder) { Distance = m.Distance })
            .ToList();
    }
}
