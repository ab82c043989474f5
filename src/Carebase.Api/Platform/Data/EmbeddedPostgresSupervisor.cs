using Npgsql;

namespace Carebase.Api.Platform.Data;

/// <summary>
/// Keeps the embedded PostgreSQL this process owns running: checks its postmaster every second and, when it
/// has died (killed, crashed), starts it again (PostgreSQL replays its log: every committed transaction
/// survives), with backoff and one log line per attempt. Meanwhile requests and /health/ready answer 503.
/// </summary>
public sealed class EmbeddedPostgresSupervisor(
    EmbeddedPostgres pg, NpgsqlDataSource dataSource, TimeProvider time, ILogger<EmbeddedPostgresSupervisor> log) : BackgroundService
{
    static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!pg.OwnsServer) return;
        try
        {
            using var timer = new PeriodicTimer(CheckEvery, time);
            while (await timer.WaitForNextTickAsync(stopping))
                if (!pg.ServerAlive()) await RestartAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: the host's exit stops the server, whatever state it is in.
        }
    }

    async Task RestartAsync(CancellationToken stopping)
    {
        var wait = CheckEvery;
        for (var attempt = 1; ; attempt++)
        {
            if (await pg.RecoverAsync() is not { } problem)
            {
                if (!pg.ServerAlive()) return; // stopped on purpose meanwhile (shutdown)
                // Pooled connections lead to the dead server: drop them rather than fail a request on each.
                dataSource.Clear();
                log.LogWarning("The embedded PostgreSQL had stopped; restarted it (attempt {Attempt})", attempt);
                return;
            }
            log.LogError("The embedded PostgreSQL is down and restart attempt {Attempt} failed, next in {Seconds} s: {Problem}",
                attempt, wait.TotalSeconds, problem);
            await Task.Delay(wait, time, stopping);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
    }
}
