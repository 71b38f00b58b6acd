using EvidenceHub.Hub.Errors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvidenceHub.Hub.Lifecycle;

/// Work that acts on time: what has fallen due (a handoff past its deadline, a case past its review date) is found and
/// acted on by running the hub's own commands through the engine, with command ids derived from what fell due. A round
/// repeated after a crash or a restart, or run by a second instance, therefore appends nothing twice: the receipts of
/// the first run answer it.
public interface ITimedWork
{
    /// For logs and metrics, e.g. "handoff deadlines".
    string Name { get; }

    /// Acts on everything due at the given moment; returns how many things it acted on.
    Task<int> RunDue(DateTimeOffset now, CancellationToken cancellation);
}

public sealed class TimedWorkOptions
{
    /// How often the hub looks for work that has fallen due.
    public TimeSpan RunEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// At most this many things of each kind per round; the rest fall to the next round.
    public int MaxPerRound { get; set; } = 500;
}

/// Runs every ITimedWork in rounds, on one hub instance at a time: a round holds a session-level advisory lock, so
/// the other instances skip it (the commands' receipts would make their work harmless anyway; the lock saves it).
public sealed class TimedWorkRunner(
    IEnumerable<ITimedWork> work, Audit.AuditDatabase database, TimeProvider clock, IOptions<TimedWorkOptions> options,
    ILogger<TimedWorkRunner> logger, FailureLog failures) : BackgroundService
{
    public const long AdvisoryLockKey = 0x45_48_54_49_4D_45; // "EHTIME"

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try { await RunRound(stopping); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException)
            {
                failures.Report(logger, "timed work", failure);
            }
            await Task.Delay(options.Value.RunEvery, clock, stopping).ContinueWith(_ => { }, CancellationToken.None);
        }
    }

    /// One round now (tests call it instead of waiting for the next). Returns how many things were acted on, or null
    /// when another instance holds the round.
    public async Task<int?> RunRound(CancellationToken cancellation)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellation);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", connection))
        {
            take.Parameters.AddWithValue("k", AdvisoryLockKey);
            if (await take.ExecuteScalarAsync(cancellation) is not true) return null;
        }
        try
        {
            var acted = 0;
            var now = clock.GetUtcNow();
            foreach (var kind in work)
            {
                acted += await kind.RunDue(now, cancellation);
            }
            return acted;
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", connection);
            release.Parameters.AddWithValue("k", AdvisoryLockKey);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }
}

public static class TimedWorkSetup
{
    /// The runner, as a singleton (tests run a round directly) and as the background service that runs it.
    public static WebApplicationBuilder AddTimedWork(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TimedWorkOptions>().Bind(builder.Configuration.GetSection("TimedWork"))
            .Validate(o => o.RunEvery > TimeSpan.Zero, "TimedWork:RunEvery must be a positive time span (e.g. 00:01:00)")
            .Validate(o => o.MaxPerRound > 0, "TimedWork:MaxPerRound must be positive").ValidateOnStart();
        builder.Services.AddOptions<RetentionOptions>().Bind(builder.Configuration.GetSection("Retention"))
            .Validate(o => o.ReviewAfter > TimeSpan.Zero, "Retention:ReviewAfter must be a positive time span (e.g. 1095.00:00:00 for three years)")
            .Validate(o => o.NoticeBefore >= TimeSpan.Zero && o.NoticeBefore < o.ReviewAfter, "Retention:NoticeBefore must be at least zero and shorter than Retention:ReviewAfter")
            .Validate(o => Enum.IsDefined(o.OverdueAction), "Retention:OverdueAction must be Restrict or Erase").ValidateOnStart();
        builder.Services.AddSingleton<ReviewSchedule>();
        builder.Services.AddSingleton<OverdueCaseList>();
        builder.Services.AddSingleton<ITimedWork, Handoffs.HandoffDeadlines>();
        builder.Services.AddSingleton<ITimedWork, ReviewDates>();
        builder.Services.AddSingleton<IOverdueCaseAction, RestrictOverdueCase>();
        builder.Services.AddSingleton<IOverdueCaseAction, EraseOverdueCase>();
        builder.Services.AddSingleton<TimedWorkRunner>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TimedWorkRunner>());
        return builder;
    }
}
