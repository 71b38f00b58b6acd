using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Cases;
using EvidenceHub.Hub.Commands;
using EvidenceHub.Hub.Correlation;
using EvidenceHub.Hub.Errors;
using EvidenceHub.Hub.Identifiers;
using EvidenceHub.Hub.Identity;
using EvidenceHub.Hub.Sharing;

namespace EvidenceHub.Hub.Media;

/// The owner withdraws a media record added by mistake, named by one of its file hashes: each of its hashes is
/// retracted as an identifier (every unit told of a correlation on it is told), and its PDQ hash leaves the index.
public sealed record RetractMedia(string FileHash, string Reason, MediaHashes Index) : Command
{
    public static RetractMedia From(RetractMediaRequest request, Caller caller, CaseTarget target, MediaHashes media)
    {
        var commandId = RequestFields.CommandId(request.CommandId);
        var hash = RequestFields.RequiredText(request.FileHash, "file_hash", RequestFields.MaxIdentifierKeyLength).Trim().ToLowerInvariant();
        var reason = RequestFields.RequiredText(request.Reason, "reason", RequestFields.MaxReasonLength);
        return new RetractMedia(hash, reason, media)
        {
            CommandId = commandId, Caller = caller, Request = request, Case = target,
            ExpectedVersion = request.HasExpectedVersion ? request.ExpectedVersion : null,
        };
    }

    // Every retraction of a PDQ hash takes the near-match lock too, so that the index's readers miss none.
    public override ICommandPreparation? Preparation => Index;

    /// The case's media records that may carry the file hash, read before the burst decides (MediaHashes.Prepare).
    public CaseMediaRecords Records { get; set; } = new();

    /// The keys a record added with this file hash holds it under: the key itself, or the hex under each file-hash kind.
    public string[] CandidateKeys => FileHash.Contains(':') ? [FileHash] : ["sha256:" + FileHash, "sha1:" + FileHash, "md5:" + FileHash];

    private MediaRecord? RecordIn(CaseFile? state) => state is null ? null : Records.WithFileHash(state.Id, FileHash);

    public override IReadOnlyList<string> KeysToLock(CaseFile? state) => RecordIn(state)?.Keys ?? [];

    /// Each hash's retraction seals its reason under the hash's holding subject, the record's under the case subject: the
    /// case's keys are loaded.
    public override bool ReadsSealedFields => true;

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, DateTimeOffset now) =>
        throw new InvalidOperationException("RetractMedia retracts identifiers, which seal their reasons: it decides with the case's subject keys.");

    public override Decision Decide(CaseFile? state, LockedIdentifiers index, Erasure.SubjectKeyRing keys, DateTimeOffset now)
    {
        var current = Existing(state);
        CaseRules.EnsureOwnerMayChange(current, Caller);
        var record = RecordIn(current) ?? throw Rejection.NotFound("media", FileHash, "file_hash");
        var events = new List<object>();
        foreach (var key in record.Keys)
        {
            switch (index.HoldingOf(current.Id, key))
            {
                case null: break;
                // An imported hash has no holding of its own: it leaves with its row, and whoever was told of a
                // correlation on it is told of the retraction.
                case { Imported: true }:
                    if (index.ToldThrough(key, current.Id) is { Count: > 0 } told) events.Add(new CorrelationRetracted(key, CaseParty.Of(current), RetractSuspectIdentifier.ToldReason(current, keys, Reason), told));
                    break;
                default:
                    var retraction = new RetractSuspectIdentifier(key, Reason) { CommandId = CommandId, Caller = Caller, Request = Request, Case = Case };
                    events.AddRange(retraction.Decide(current, index, keys, now).Events);
                    break;
            }
        }
        var retracted = new MediaRetracted(current.Id, record.Keys, record.Pdq, Erasure.CaseText.Seal(current, keys, nameof(MediaRetracted.Reason), Reason),
            record.BatchId, record.BatchId is null ? null : record.FileRow);
        Records.Record(retracted, now);
        events.Add(retracted);
        return new(events, new CommandResult());
    }
}
