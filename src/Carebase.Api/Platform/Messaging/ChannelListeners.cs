using Npgsql;

namespace Carebase.Api.Platform.Messaging;

/// <summary>One PostgreSQL <c>LISTEN</c> channel and what this instance does with its notifications.</summary>
public interface IChannelListener
{
    string Channel { get; }

    void OnNotification(string payload);

    /// <summary>Listening (again). After a reconnection, notifications sent meanwhile are lost: drop or resync what depended on them.</summary>
    void OnListening(bool reconnected);

    void OnLost();
}

/// <summary>
/// One per instance: a dedicated connection that LISTENs on every registered <see cref="IChannelListener"/>'s channel and
/// hands each notification to it, so changes committed on any instance reach all of them. A lost connection is reopened
/// with backoff (one log line per attempt); a quiet one is probed now and then so a dead one is noticed.
/// </summary>
public sealed class ChannelListeners(NpgsqlDataSource dataSource, IEnumerable<IChannelListener> listeners, TimeProvider time,
    ILogger<ChannelListeners> logger) : BackgroundService
{
    static readonly TimeSpan Ping = TimeSpan.FromSeconds(30);
    static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var byChannel = listeners.ToDictionary(l => l.Channel);
        if (byChannel.Count == 0) return;
        var retry = FirstRetry;
        var lost = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                conn.Notification += (_, e) =>
                {
                    if (byChannel.TryGetValue(e.Channel, out var listener)) listener.OnNotification(e.Payload);
                };
                foreach (var channel in byChannel.Keys)
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", conn);
                    await listen.ExecuteNonQueryAsync(ct);
                }
                foreach (var listener in byChannel.Values) listener.OnListening(reconnected: lost);
                if (lost) logger.LogInformation("Notification listener reconnected");
                (retry, lost) = (FirstRetry, false);
                while (!ct.IsCancellationRequested)
                {
                    if (await conn.WaitAsync(Ping, ct)) continue;
                    await using var probe = new NpgsqlCommand("SELECT 1", conn);
                    await probe.ExecuteScalarAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                foreach (var listener in byChannel.Values) listener.OnLost();
                lost = true;
                logger.LogWarning("Notification listener lost its connection ({Message}); retrying in {Delay}", e.Message, retry);
                try
                {
                    await Task.Delay(retry, time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }
}
