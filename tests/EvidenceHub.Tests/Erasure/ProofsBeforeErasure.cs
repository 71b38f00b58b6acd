using System.Text.Json;
using EvidenceHub.Contracts.V1;
using EvidenceHub.Tests.Audit;

namespace EvidenceHub.Tests.Erasure;

/// What an auditor holds from before an erasure: an inclusion proof of one event (the one whose value is erased) in a
/// signed checkpoint, and that checkpoint's consistency proof with an earlier one. Erasure destroys keys, never stored
/// bytes, so afterwards every one of them must still verify against what the log serves.
public sealed record ProofsBeforeErasure(ReplayedEvent Event, LogCheckpoint Early, LogCheckpoint Checkpoint, InclusionProof Inclusion, ConsistencyProof Consistency)
{
    /// The proofs of the event, taken once the log covers every event given (the case's history so far).
    public static async Task<ProofsBeforeErasure> Take(AuditService.AuditServiceClient auditor, ReplayedEvent proven, IEnumerable<ReplayedEvent> history)
    {
        var early = await auditor.CheckpointCovering(1);
        var checkpoint = await auditor.CheckpointCovering(history.Max(e => e.LogPosition) + 1);
        var inclusion = await auditor.GetInclusionProofAsync(new GetInclusionProofRequest { Justification = AuditClient.Why, Position = proven.LogPosition, TreeSize = checkpoint.TreeSize });
        var consistency = await auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = AuditClient.Why, FirstSize = early.TreeSize, SecondSize = checkpoint.TreeSize });
        return new ProofsBeforeErasure(proven, early, checkpoint, inclusion, consistency);
    }

    /// After the erasure (historyAfter: the case's history now): VerifyLog is intact; the event is stored as it was and
    /// still hashes to its leaf; the old inclusion and consistency proofs verify against leaves and checkpoints the log
    /// serves now, and the old checkpoint is consistent with the latest. The event as replayed now, for its readable form.
    public async Task<ReplayedEvent> StillVerify(AuditService.AuditServiceClient auditor, IReadOnlyList<ReplayedEvent> historyAfter)
    {
        var latest = await auditor.CheckpointCovering(historyAfter.Max(e => e.LogPosition) + 1);
        var verification = await auditor.VerifyLogAsync(new VerifyLogRequest { Justification = AuditClient.Why });
        Assert.True(verification.Intact, verification.Problem);

        var leaf = (await auditor.Entries(Event.LogPosition, 1)).Single();
        Assert.Equal(Inclusion.Entry.LeafHash, leaf.LeafHash);
        Assert.True(Rfc9162.VerifyInclusion(Event.LogPosition, Checkpoint.TreeSize, Rfc9162.LeafHash(leaf.Leaf.ToByteArray()),
            Inclusion.AuditPath.Select(p => p.ToByteArray()).ToList(), Checkpoint.RootHash.ToByteArray()));
        var sameCheckpoint = await auditor.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = AuditClient.Why, TreeSize = Checkpoint.TreeSize });
        Assert.True(Rfc9162.VerifyConsistency(Early.TreeSize, Checkpoint.TreeSize, Early.RootHash.ToByteArray(), sameCheckpoint.RootHash.ToByteArray(),
            Consistency.ConsistencyPath.Select(p => p.ToByteArray()).ToList()));
        var onward = await auditor.GetConsistencyProofAsync(new GetConsistencyProofRequest { Justification = AuditClient.Why, FirstSize = Checkpoint.TreeSize, SecondSize = latest.TreeSize });
        Assert.True(Rfc9162.VerifyConsistency(Checkpoint.TreeSize, latest.TreeSize, Checkpoint.RootHash.ToByteArray(), latest.RootHash.ToByteArray(),
            onward.ConsistencyPath.Select(p => p.ToByteArray()).ToList()));

        // Replay: the stored JSON unchanged, and it still hashes to the leaf.
        var replayed = historyAfter.Single(e => e.LogPosition == Event.LogPosition);
        Assert.Equal(Event.DataJson, replayed.DataJson);
        using (var leafJson = JsonDocument.Parse(leaf.Leaf.ToByteArray()))
            Assert.Equal(AuditClient.Sha256Hex(replayed.DataJson), leafJson.RootElement.GetProperty("data_sha256").GetString());
        return replayed;
    }
}
