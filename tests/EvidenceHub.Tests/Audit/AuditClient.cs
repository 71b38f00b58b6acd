using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Tests.Audit;

/// What the audit tests ask the hub again and again.
public static class AuditClient
{
    public static readonly Justification Why = new() { Purpose = "supervision of case handling, ticket SUP-17" };

    public static async Task<List<ReplayedEvent>> Replay(this AuditService.AuditServiceClient audit, string caseId, long afterVersion = 0)
    {
        using var call = audit.ReplayCase(new ReplayCaseRequest { CaseId = caseId, Justification = Why, AfterVersion = afterVersion });
        var events = new List<ReplayedEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return events;
    }

    /// The case's events once the tamper-evident log holds all of them (it trails the store by a moment).
    public static async Task<List<ReplayedEvent>> ReplayLogged(this AuditService.AuditServiceClient audit, string caseId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var events = await audit.Replay(caseId);
            if (events.All(e => e.HasLogPosition)) return events;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"case {caseId} is not fully logged");
            await Task.Delay(100);
        }
    }

    /// A checkpoint that covers at least the given number of entries.
    public static async Task<LogCheckpoint> CheckpointCovering(this AuditService.AuditServiceClient audit, long size, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                var checkpoint = await audit.GetLogCheckpointAsync(new GetLogCheckpointRequest { Justification = Why });
                if (checkpoint.TreeSize >= size) return checkpoint;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { } // nothing signed yet
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no checkpoint covers {size} entries");
            await Task.Delay(100);
        }
    }

    public static async Task<List<AccessRecord>> AccessLog(this AuditService.AuditServiceClient audit, QueryAccessLogRequest query)
    {
        query.Justification = Why;
        using var call = audit.QueryAccessLog(query);
        var records = new List<AccessRecord>();
        await foreach (var record in call.ResponseStream.ReadAllAsync()) records.Add(record);
        return records;
    }

    public static async Task<List<LogEntry>> Entries(this AuditService.AuditServiceClient audit, long from, int count)
    {
        using var call = audit.GetLogEntries(new GetLogEntriesRequest { Justification = Why, StartPosition = from, MaxEntries = count });
        var entries = new List<LogEntry>();
        await foreach (var entry in call.ResponseStream.ReadAllAsync()) entries.Add(entry);
        return entries;
    }

    /// The public key verifies the signature over the tree head, and the tree head says what the checkpoint says.
    public static void AssertSigned(LogCheckpoint checkpoint)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(checkpoint.PublicKeyPem);
        Assert.Equal(checkpoint.PublicKey.ToByteArray(), key.ExportSubjectPublicKeyInfo());
        Assert.Equal(SHA256.HashData(checkpoint.PublicKey.ToByteArray()), checkpoint.KeyId.ToByteArray());
        var head = checkpoint.TreeHead.ToByteArray();
        Assert.True(key.VerifyData(head, checkpoint.Signature.ToByteArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(8 + 8 + 1 + 32 + 2, head.Length);
        Assert.Equal((ulong)checkpoint.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds(), System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(head));
        Assert.Equal((ulong)checkpoint.TreeSize, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(8)));
        Assert.Equal(32, head[16]);
        Assert.Equal(checkpoint.RootHash.ToByteArray(), head[17..49]);
        Assert.Equal([0, 0], head[49..]);
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
