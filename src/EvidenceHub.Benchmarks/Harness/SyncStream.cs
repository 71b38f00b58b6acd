using System.Diagnostics;
using EvidenceHub.Contracts.V1;
using Grpc.Core;

namespace EvidenceHub.Benchmarks.Harness;

/// What came back on a Sync stream: one result per command, counted by grpc status, not by HTTP status.
public sealed record SyncOutcome(long Succeeded, IReadOnlyDictionary<string, long> FailedByCode, Latencies Latencies, TimeSpan Elapsed, IReadOnlyList<CommandResult> Results)
{
    public long Failed => FailedByCode.Values.Sum();

    public string Failures => string.Join(", ", FailedByCode.Select(f => $"{f.Value} {f.Key}"));
}

/// A unit's bulk sync as a client would write it: commands written one after another on one stream while the results
/// are read as they come.
public static class SyncStream
{
    public static async Task<SyncOutcome> Run(CaseService.CaseServiceClient cases, IReadOnlyList<SyncCommand> commands, bool keepResults = false)
    {
        var sentAt = new long[commands.Count];
        var latencies = new Latencies(commands.Count);
        var failed = new Dictionary<string, long>();
        var results = new List<CommandResult>(keepResults ? commands.Count : 0);
        long succeeded = 0;
        var started = Stopwatch.GetTimestamp();

        using var call = cases.Sync();
        var reading = Task.Run(async () =>
        {
            await foreach (var result in call.ResponseStream.ReadAllAsync())
            {
                latencies.Add(Volatile.Read(ref sentAt[result.Sequence]));
                if (result.OutcomeCase == SyncResult.OutcomeOneofCase.Result)
                {
                    succeeded++;
                    if (keepResults) results.Add(result.Result);
                }
                else
                {
                    var code = ((StatusCode)(result.Error?.Code ?? (int)StatusCode.Unknown)).ToString();
                    failed[code] = failed.GetValueOrDefault(code) + 1;
                }
            }
        });
        for (var i = 0; i < commands.Count; i++)
        {
            Volatile.Write(ref sentAt[i], Stopwatch.GetTimestamp());
            await call.RequestStream.WriteAsync(commands[i]);
        }
        await call.RequestStream.CompleteAsync();
        await reading;
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (succeeded + failed.Values.Sum() != commands.Count)
            throw new InvalidOperationException($"Sync answered {succeeded + failed.Values.Sum()} of {commands.Count} commands.");
        return new SyncOutcome(succeeded, failed, latencies, elapsed, results);
    }

    /// caseId: a random UUID version 4 (Guid.NewGuid()); the hub refuses any other client-chosen case id.
    public static SyncCommand OpenCase(Guid caseId, Tlp tlp = Tlp.Green) => new()
    {
        OpenCase = new OpenCaseRequest
        {
            CommandId = Guid.NewGuid().ToString(),
            CaseId = caseId.ToString(),
            Reference = "BENCH-" + caseId.ToString("N"),
            OffenceType = OffenceType.FinancialSextortion,
            SharingPolicy = new SharingPolicy { Tlp = tlp, HandlingCode = HandlingCode.H0 },
        },
    };

    public static SyncCommand AddIdentifier(Guid caseId, long identifier) => new()
    {
        AddSuspectIdentifier = new AddSuspectIdentifierRequest
        {
            CommandId = Guid.NewGuid().ToString(),
            CaseId = caseId.ToString(),
            Identifier = SampleIdentifiers.Raw(identifier),
        },
    };
}
