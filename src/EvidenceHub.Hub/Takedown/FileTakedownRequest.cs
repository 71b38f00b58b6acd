using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Erasure;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Media;
using Google.Protobuf.WellKnownTypes;
using Marten;

namespace EvidenceHub.Hub.Takedown;

/// The owner or a co-lead asks a hosting party to remove media of the case. Material the provider already has an
/// open request for (the same hash, from any unit or case) is not sent again: the caller learns only that a request
/// is open and since when. The request gets a stream of its own; the case's stream does not change.
public sealed record FileTakedownRequest(
    UnitRegistration Provider, IReadOnlyList<string> Media, IReadOnlyList<string> Locations, string? Note, Guid NewRequestId) : SealsCaseText
{
    public const int MaxLocationLength = 2048;

    /// The provider's open requests by key (when each was filed), read under the provider's lock (Prepared).
    public IReadOnlyDictionary<string, DateTimeOffset>? OpenAtProvider { get; init; }

    /// The case's media records the request names, read with them (Prepared): each named must be among them.
    public IReadOnlyList<MediaRecord> CaseMedia { get; init; } = [];

    public static FileTakedownRequest From(FileTakedownRequestRequest request, Caller caller, CaseTarget target, UnitRegistry units, TakedownOptions options)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var providerId = RequestFields.RequiredText(request.Provider, "provider", 64);
        var provider = units.Find(providerId);
        if (provider is null || !provider.Roles.Contains(Roles.Provider))
            throw Rejection.InvalidArgument("provider", $"'{providerId}' is no registered hosting party (a unit with role '{Roles.Provider}')");
        if (request.Media.Count == 0) throw Rejection.InvalidArgument("media", "is required: at least one media record, named by a file hash");
        if (request.Media.Count > options.MaxMediaPerRequest)
            throw Rejection.InvalidArgument("media", $"names {request.Media.Count} media records; at most {options.MaxMediaPerRequest} per request (Takedown:MaxMediaPerRequest)");
        var media = request.Media.Select((m, i) => RequestFields.RequiredText(m, $"media[{i}]", RequestFields.MaxIdentifierKeyLength)).ToList();
        if (request.Locations.Count > options.MaxLocationsPerRequest)
            throw Rejection.InvalidArgument("locations", $"holds {request.Locations.Count} locations; at most {options.MaxLocationsPerRequest} per request (Takedown:MaxLocationsPerRequest)");
        var locations = request.Locations.Select((l, i) => Location(l, $"locations[{i}]")).Distinct().ToList();
        var note = RequestFields.Text(request.Note, "note", RequestFields.MaxReasonLength, required: false);
        return new FileTakedownRequest(provider, media, locations, note, Guid.CreateVersion7())
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    private static string Location(string value, string field)
    {
        var text = RequestFields.RequiredText(value, field, MaxLocationLength);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw Rejection.InvalidArgument(field, "is not an absolute http(s) URL");
        return text;
    }

    /// The records named, each once, in the order named; a name that finds no record is refused naming its field.
    private List<(string Named, MediaRecord Record)> Records()
    {
        var found = new List<(string, MediaRecord)>();
        for (var i = 0; i < Media.Count; i++)
        {
            var record = TakedownMedia.Find(CaseMedia, Media[i]) ?? throw Rejection.NotFound("media", Media[i], $"media[{i}]");
            if (!found.Any(f => ReferenceEquals(f.Item2, record))) found.Add((Media[i], record));
        }
        return found;
    }

    /// Their keys are locked and read: a restricted hash is refused, and no restriction slips in meanwhile.
    public override IReadOnlyList<string> KeysToLock(CaseFile? state) =>
        state is null ? [] : Media.Select(m => TakedownMedia.Find(CaseMedia, m)).OfType<MediaRecord>().SelectMany(m => m.Keys).Distinct().ToList();

    public override bool ReadsBeforeDeciding => true;

    /// Under one lock per provider (held to the end of the transaction), so that two units filing the same material at
    /// the same moment file one request.
    public override async Task<Command> Prepared(IDocumentSession session, CaseFile state, DateTimeOffset now, CancellationToken cancellation)
    {
        await session.QueryAsync<long>("select count(*) from (select pg_advisory_xact_lock(hashtextextended(?, 17))) locked",
            cancellation, ["takedown:" + Provider.Id]);
        var media = await TakedownMedia.Named(session, state.Id, Media, cancellation);
        var keys = (this with { CaseMedia = media }).KeysToLock(state).ToArray();
        var table = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(TakedownRecord)).TableName.QualifiedName;
        var open = keys.Length == 0 ? [] : await session.QueryAsync<OpenKey>($"""
            SELECT jsonb_build_object('Key', k, 'FiledAt', min(CAST(r.data ->> 'FiledAt' AS timestamptz)))
            FROM {table} r, jsonb_array_elements_text(r.data -> 'Keys') k
            WHERE r.data ->> 'Provider' = ? AND r.data ->> 'Status' IN ('Open', 'Acknowledged') AND k = ANY(?)
            GROUP BY k
            """, cancellation, Provider.Id, keys);
        return this with { OpenAtProvider = open.ToDictionary(o => o.Key, o => o.FiledAt), CaseMedia = media };
    }

    private sealed record OpenKey(string Key, DateTimeOffset FiledAt);

    /// The note is sealed under the case's subject, like every text of the case.
    public override Decision Decide(CaseFile? state, LockedIdentifiers index, SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureLeadMayAdd(current, Caller);
        var open = OpenAtProvider ?? throw new InvalidOperationException("FileTakedownRequest decides only after it read the provider's open requests");
        var records = Records();
        foreach (var (named, record) in records)
            if (record.Keys.Any(k => index.HoldingOf(current.Id, k) is { Restricted: true }))
                throw Rejection.FailedPrecondition("MEDIA_RESTRICTED", $"Media record {named} has a restricted hash: it is not disclosed to anyone, hosting parties included.",
                    ("media", named));

        var result = new FileTakedownRequestResult();
        var sending = new List<TakedownItem>();
        foreach (var (named, record) in records)
        {
            var since = record.Keys.Where(open.ContainsKey).Select(k => open[k]).DefaultIfEmpty().Min();
            if (since != default) result.AlreadyOpen.Add(new TakedownAlreadyOpen { Media = named, OpenSince = Timestamp.FromDateTimeOffset(since) });
            else sending.Add(new TakedownItem(record.Keys, record.Category));
        }
        var asked = $"takedown request to hosting party {Provider.Id} for {records.Count} media record(s): {string.Join(", ", records.Select(r => r.Named))}";
        if (sending.Count == 0)
            return new([], result) { Record = new AccessNote("takedown request to a hosting party", asked, "nothing sent: every media record named already has an open request at the provider") };

        result.RequestId = NewRequestId.ToString();
        var filed = new TakedownFiled(NewRequestId, current.Id, Caller.UnitId, Caller.Country, Provider.Id, sending, Locations,
            CaseText.SealOptional(current, keys, nameof(TakedownFiled.Note), Note), TakedownAnswer.Stored(now));
        return new([filed], result)
        {
            Record = new AccessNote("takedown request to a hosting party", asked,
                $"to {Provider.Id}, request {NewRequestId}: the hashes and category of {sending.Count} media record(s), {Locations.Count} location(s), " +
                $"the requesting unit {Caller.UnitId}{(Note is null ? "" : " and its note")}; never the case or its reference"),
        };
    }
}
