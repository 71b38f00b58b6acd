using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EvidenceHub.Benchmarks.Harness;
using EvidenceHub.Contracts.V1;
using Grpc.Core;
using Npgsql;

namespace EvidenceHub.Benchmarks.Scenarios;

/// 5. An auditor verifies the whole tamper-evident log: AuditService.VerifyLog recomputes every leaf from the stored
/// event and the tree from the leaves. Baseline: reading the same stored bytes with plain Npgsql and hashing them once
/// with SHA-256, the least any verification must do.
public sealed class VerifyLogScenario(BenchContext bench)
{
    private const string LeafColumns =
        "e.seq_id, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.correlation_id, e.causation_id, e.headers::text, e.data::text";

    private static readonly int[] TextColumns = [3, 5, 6, 7, 8, 9];

    public async Task Run()
    {
        await bench.Settled();
        var audit = bench.Hub.Audit(RunningHub.Auditor);
        Progress.Say("verify: VerifyLog over the whole log");
        var memory = MemoryWatch.Start();
        var signals = HubSignals.Now();
        var started = Stopwatch.GetTimestamp();
        LogVerification verification;
        try
        {
            verification = await audit.VerifyLogAsync(new VerifyLogRequest { Justification = new() { Purpose = "benchmark: verification of the whole log" } });
        }
        catch (RpcException unavailable) when (unavailable.StatusCode == StatusCode.Unimplemented)
        {
            bench.Report.Add(new ResultRow("VerifyLog") { Note = "not available: this hub does not serve AuditService.VerifyLog" });
            return;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var work = HubSignals.Now() - signals;
        var figures = await memory.Stop();
        if (!verification.Intact)
            throw new InvalidOperationException($"VerifyLog found the log damaged: {verification.Problem}");

        var (rows, hashing) = await HashStoredEvents();
        bench.Report.Add(new ResultRow($"VerifyLog over the whole log ({verification.EntriesChecked:N0} entries)")
        {
            Hub = new Figure(verification.EntriesChecked / elapsed.TotalSeconds, "entries/s"),
            Baseline = new Figure(rows / hashing.TotalSeconds, "entries/s"),
            BaselineName = "SHA-256 over the same stored bytes, plain Npgsql",
            Memory = figures,
            Note = $"{elapsed.TotalSeconds:F1} s, {verification.CheckpointsChecked:N0} checkpoints checked, {work.RoundTrips:N0} PostgreSQL round trips; " +
                   $"baseline {rows:N0} rows in {hashing.TotalSeconds:F1} s",
        });
    }

    /// Every stored event's leaf content (the columns a leaf commits to, as text, as the log reads them), hashed once.
    private async Task<(long Rows, TimeSpan Elapsed)> HashStoredEvents()
    {
        var started = Stopwatch.GetTimestamp();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        var numbers = new byte[24];
        long rows = 0;
        try
        {
            await using var command = bench.RawSql.CreateCommand($"SELECT {LeafColumns} FROM {BenchContext.Schema}.mt_events e ORDER BY e.seq_id");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                BitConverter.TryWriteBytes(numbers.AsSpan(0, 8), reader.GetInt64(0));
                if (!reader.IsDBNull(1)) reader.GetGuid(1).TryWriteBytes(numbers.AsSpan(8, 16));
                sha.AppendData(numbers);
                BitConverter.TryWriteBytes(numbers.AsSpan(0, 8), reader.GetInt64(2));
                BitConverter.TryWriteBytes(numbers.AsSpan(8, 8), reader.GetFieldValue<DateTime>(4).Ticks);
                sha.AppendData(numbers, 0, 16);
                foreach (var column in TextColumns)
                {
                    if (reader.IsDBNull(column)) continue;
                    var text = reader.GetString(column);
                    var needed = Encoding.UTF8.GetMaxByteCount(text.Length);
                    if (needed > buffer.Length)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(needed);
                    }
                    sha.AppendData(buffer, 0, Encoding.UTF8.GetBytes(text, buffer));
                }
                rows++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _ = sha.GetHashAndReset();
        return (rows, Stopwatch.GetElapsedTime(started));
    }
}
