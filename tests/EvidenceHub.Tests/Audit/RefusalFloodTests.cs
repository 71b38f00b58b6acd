using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EvidenceHub.Hub.Audit;
using EvidenceHub.Tests.Infrastructure;
using Npgsql;

namespace EvidenceHub.Tests.Audit;

/// A hub of its own with a short refusal window, so that a test sees windows end.
public sealed class ShortRefusalWindowHub : HubFixture
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    protected override IEnumerable<(string Key, string Value)> MoreSettings() => [("Audit:Refusals:Window", Window.ToString())];
}

/// Finding 7: every unauthenticated call stored its request path (attacker text, ~7 KB) and headers: 11,629 permanent
/// records and +200 MB in 10 s. Now a refusal names a method only when the hub serves it, keeps no headers, and
/// refusals from one source are counted per window instead of recorded one by one.
public sealed partial class RefusalFloodTests(ShortRefusalWindowHub hub) : IClassFixture<ShortRefusalWindowHub>
{
    private const int Calls = 5000;

    [Fact]
    public async Task Five_thousand_unauthenticated_calls_with_7_KB_paths_add_a_bounded_number_of_small_records()
    {
        var before = await Scalar<long>("SELECT coalesce(max(seq_id), 0) FROM evidencehub.mt_events");
        var garbage = new string('A', 7 * 1024);
        using var client = new HttpClient(hub.Factory.Server.CreateHandler()) { BaseAddress = hub.Factory.Server.BaseAddress };
        var started = Stopwatch.GetTimestamp();
        var sent = 0;
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Calls), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, cancellation) =>
        {
            // Every fifth call names a real method; the rest, 7 KB of attacker text.
            var path = i % 5 == 0 ? "/evidencehub.v1.CaseService/GetCase" : $"/evidencehub.v1.CaseService/{garbage}{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Version = new Version(2, 0), Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("evidencehub-user", garbage);
            request.Headers.TryAddWithoutValidation("x-flood", garbage);
            using var response = await client.SendAsync(request, cancellation);
            statuses.Add((int)response.StatusCode);
            Interlocked.Increment(ref sent);
        });
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(Calls, sent);
        Assert.All(statuses, status => Assert.Equal(401, status));

        // Every refusal is accounted for once its window has ended: the first of each window at once, the rest counted.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<(string Operation, string Asked, int Bytes)> records;
        while (true)
        {
            records = await Refusals(before);
            if (Accounted(records) >= Calls || DateTime.UtcNow > deadline) break;
            await Task.Delay(200);
        }
        Assert.Equal(Calls, Accounted(records));

        // At most two records per window (its first refusal and its count), over the windows the burst spanned.
        var windows = (int)Math.Ceiling(elapsed / ShortRefusalWindowHub.Window) + 1;
        Assert.True(records.Count <= 2 * windows, $"{records.Count} records for {Calls} refusals over {windows} windows");
        Assert.All(records, r => Assert.DoesNotContain("AAAAAAAA", r.Asked));
        Assert.All(records, r => Assert.Contains(r.Operation, new[] { RefusedCalls.UnknownMethod, RefusedCalls.AggregateOperation, "/evidencehub.v1.CaseService/GetCase" }));
        Assert.All(records, r => Assert.True(r.Bytes < 1024, $"a record of {r.Bytes} bytes"));
        var bytes = records.Sum(r => r.Bytes);
        Console.WriteLine($"{Calls} refused calls in {elapsed.TotalSeconds:F1} s ({windows} windows of {ShortRefusalWindowHub.Window.TotalSeconds} s): {records.Count} records, {bytes} bytes of record data");
    }

    /// Refusals recorded one by one count 1; aggregate records count what they say.
    private static long Accounted(List<(string Operation, string Asked, int Bytes)> records) => records.Sum(r =>
        r.Operation == RefusedCalls.AggregateOperation ? long.Parse(MoreRefused().Match(r.Asked).Groups[1].Value) : 1);

    [GeneratedRegex(@"^(\d+) more refused calls")]
    private static partial Regex MoreRefused();

    private async Task<List<(string Operation, string Asked, int Bytes)>> Refusals(long afterSequence)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT data->>'Operation', data->>'Asked', octet_length(data::text) FROM evidencehub.mt_events
            WHERE type = 'access_recorded' AND seq_id > @after AND data->>'Unit' = '' AND data->>'Outcome' = 'Refused'
            """, connection);
        command.Parameters.AddWithValue("after", afterSequence);
        var found = new List<(string, string, int)>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) found.Add((rows.GetString(0), rows.GetString(1), rows.GetInt32(2)));
        return found;
    }

    private async Task<T> Scalar<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(hub.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
