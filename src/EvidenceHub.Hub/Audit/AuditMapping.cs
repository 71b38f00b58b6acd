using EvidenceHub.Contracts.V1;
using EvidenceHub.Hub.Store;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EvidenceHub.Hub.Audit;

/// The audit API's answers, from what the readers found.
public static class AuditMapping
{
    /// Where an event sits in the store's global order and in the log counts every event in between, other units' and
    /// hidden cases' included: only callers who may see all of them (auditors) get it. (The leaf hash commits to the
    /// sequence, and everything else in the leaf is in the unit's own answer, so it would give the sequence away.)
    /// keys: the case's subject keys, to show the event's sealed fields opened beside the stored JSON.
    public static ReplayedEvent ToProto(HistoryEvent history, bool withGlobalOrder, Erasure.SubjectKeyRing keys)
    {
        var e = history.Event;
        var (unit, user) = EventHeaders.ActorOf(e.HeadersJson, e.UserName);
        var replayed = new ReplayedEvent
        {
            Sequence = withGlobalOrder ? e.Sequence : 0,
            Version = e.Version,
            EventType = e.Type,
            Timestamp = Timestamp.FromDateTime(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)),
            Unit = unit,
            User = user,
            CorrelationId = e.CorrelationId ?? "",
            CommandId = e.CausationId ?? "",
            DataJson = e.DataJson,
            ReadableJson = Erasure.SealedJson.Opened(e.DataJson, keys),
        };
        if (withGlobalOrder && history.LogPosition is { } position)
        {
            replayed.LogPosition = position;
            replayed.LeafHash = ByteString.CopyFrom(history.LeafHash);
        }
        return replayed;
    }

    public static AccessRecord ToProto(FoundAccessRecord found)
    {
        var r = found.Record;
        var record = new AccessRecord
        {
            At = Timestamp.FromDateTimeOffset(r.At),
            Unit = r.Unit,
            User = r.User,
            CertificateSubject = r.CertificateSubject,
            Operation = r.Operation,
            Outcome = (Contracts.V1.AccessOutcome)(int)r.Outcome,
            Justification = r.Justification ?? "",
            Asked = r.Asked,
            Disclosed = r.Disclosed ?? "",
            RecipientUnit = r.RecipientUnit ?? "",
            CaseId = r.CaseId?.ToString() ?? "",
            CorrelationId = r.CorrelationId,
            Sequence = found.Sequence,
        };
        record.IdentifierKeys.AddRange(r.IdentifierKeys ?? []);
        if (found.LogPosition is { } position) record.LogPosition = position;
        return record;
    }

    public static LogCheckpoint ToProto(SignedCheckpoint checkpoint, byte[] publicKey, List<StoredCosignature> cosignatures)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(publicKey, out _);
        var answer = new LogCheckpoint
        {
            TreeSize = checkpoint.TreeSize,
            RootHash = ByteString.CopyFrom(checkpoint.RootHash),
            Timestamp = Timestamp.FromDateTimeOffset(checkpoint.SignedAt),
            TreeHead = ByteString.CopyFrom(checkpoint.TreeHead),
            Signature = ByteString.CopyFrom(checkpoint.Signature),
            KeyId = ByteString.CopyFrom(checkpoint.KeyId),
            PublicKey = ByteString.CopyFrom(publicKey),
            PublicKeyPem = key.ExportSubjectPublicKeyInfoPem(),
            Note = checkpoint.Note is null ? "" : checkpoint.Note + string.Concat(cosignatures.Select(c => c.SignatureLine + "\n")),
        };
        answer.Cosignatures.AddRange(cosignatures.Select(ToProto));
        return answer;
    }

    /// The checkpoint's signed note with its cosignatures, and the proof that it extends the tree of oldSize entries.
    public static CheckpointNote NoteOf(SignedCheckpoint checkpoint, List<StoredCosignature> cosignatures, string origin, string verifierKey, long oldSize, List<byte[]> path)
    {
        var note = new CheckpointNote
        {
            Note = checkpoint.Note + string.Concat(cosignatures.Select(c => c.SignatureLine + "\n")),
            Origin = origin,
            TreeSize = checkpoint.TreeSize,
            RootHash = ByteString.CopyFrom(checkpoint.RootHash),
            VerifierKey = verifierKey,
            OldSize = oldSize,
        };
        note.Cosignatures.AddRange(cosignatures.Select(ToProto));
        note.ConsistencyPath.AddRange(path.Select(ByteString.CopyFrom));
        return note;
    }

    public static LogEntry ToProto(LoggedEntry entry) => new()
    {
        Position = entry.Position,
        Sequence = entry.Sequence,
        Leaf = entry.Event is null ? ByteString.Empty : ByteString.CopyFrom(LogLeaf.Encode(entry.Event)),
        LeafHash = ByteString.CopyFrom(entry.StoredLeafHash),
    };

    public static InclusionProof ToProto(long position, long treeSize, byte[] root, List<byte[]> path, LoggedEntry? entry)
    {
        var proof = new InclusionProof { Position = position, TreeSize = treeSize, RootHash = ByteString.CopyFrom(root) };
        proof.AuditPath.AddRange(path.Select(ByteString.CopyFrom));
        if (entry is not null) proof.Entry = ToProto(entry);
        return proof;
    }

    public static ConsistencyProof ToProto(long firstSize, long secondSize, byte[] firstRoot, byte[] secondRoot, List<byte[]> path)
    {
        var proof = new ConsistencyProof
        {
            FirstSize = firstSize, SecondSize = secondSize,
            FirstRootHash = ByteString.CopyFrom(firstRoot), SecondRootHash = ByteString.CopyFrom(secondRoot),
        };
        proof.ConsistencyPath.AddRange(path.Select(ByteString.CopyFrom));
        return proof;
    }

    public static LogVerification ToProto(VerificationResult result)
    {
        var answer = new LogVerification
        {
            Intact = result.Intact,
            EntriesChecked = result.EntriesChecked,
            CheckpointsChecked = result.CheckpointsChecked,
            TreeSize = result.TreeSize,
            RootHash = ByteString.CopyFrom(result.RootHash),
            FirstBadSequence = result.FirstBadSequence,
            Problem = result.Problem,
            KeysPinned = result.KeysPinned,
        };
        if (result.FirstBadPosition is { } position) answer.FirstBadPosition = position;
        answer.Witnesses.AddRange(result.Witnesses.Select(w => new WitnessState
        {
            Witness = w.Witness, CosignedTreeSize = w.TreeSize, CosignedAt = w.At is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        }));
        return answer;
    }

    private static Cosignature ToProto(StoredCosignature cosignature) => new()
    {
        Witness = cosignature.Witness,
        Time = Timestamp.FromDateTimeOffset(cosignature.CosignedAt),
        SignatureLine = cosignature.SignatureLine,
    };
}
