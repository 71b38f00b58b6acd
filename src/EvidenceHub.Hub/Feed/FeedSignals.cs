using System.Collections.Concurrent;
using Npgsql;

namespace EvidenceHub.Hub.Feed;

/// Wakes a unit's feed subscribers when new items for it are committed. The feed projection NOTIFYs the unit on
/// PostgreSQL's channel in the transaction that stores the items (delivered on commit, to every hub instance); each hub
/// process LISTENs on one connection and fans the notification out in memory to the unit's subscribers. So an idle
/// subscriber costs the database nothing; FeedService's slow safety poll is only the backstop for a lost notification.
public sealed class FeedSignals(IConfiguration configuration, Errors.FailureLog failures, ILogger<FeedSignals> logger) : BackgroundService
{
    public const string Channel = "evidencehub_feed";
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiting = new(StringComparer.Ordinal);

    /// Completes at the next notification for the unit (or when the listener reconnects and may have missed some).
    /// Take it before reading the feed, so that items committed during the read still wake the subscriber.
    public Task Next(string unit) =>
        waiting.GetOrAdd(unit, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void Wake(string unit)
    {
        if (waiting.TryRemove(unit, out var signal)) signal.TrySetResult();
    }

    private void WakeAll()
    {
        foreach (var unit in waiting.Keys) Wake(unit);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(Store.HubConnectionString.From(configuration))
        {
            // A listening connection must never go back to a pool (which would UNLISTEN it) or be shared.
            Pooling = false,
            KeepAlive = 30,
            ApplicationName = "evidencehub feed listener",
        }.ConnectionString;

        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, notification) => Wake(notification.Payload);
                await connection.OpenAsync(stopping);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stopping);
                // Anything committed while this process was not listening: every subscriber reads once more.
                WakeAll();
                while (!stopping.IsCancellationRequested) await connection.WaitAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                failures.Report(logger, "The feed listener (subscribers fall back to the safety poll until it reconnects)", exception);
                WakeAll();
                try { await Task.Delay(Reconnect, stopping); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
