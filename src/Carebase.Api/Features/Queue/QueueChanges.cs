using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;

namespace Carebase.Api.Features.Queue;

/// <summary>
/// One change of a doctor's queue, as the database announces it on <c>carebase_queue</c>: a trigger on
/// <c>queue_tokens</c> (tenant migration 0005) sends it for every new token and every change of status, in the
/// transaction that makes it, so PostgreSQL delivers it to every listening instance when (and only if) that commits.
/// </summary>
public sealed record QueueChange(Guid TenantId, Guid DoctorId, DateOnly Date, Guid? TokenId, string Event)
{
    public const string Channel = "carebase_queue";
    /// <summary>Sent to every subscriber of an instance after its listener reconnects: notifications may have been missed.</summary>
    public const string Resync = "resync";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static QueueChange? Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<QueueChange>(payload, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Fans queue changes out to this instance's subscribers (SSE streams). Each subscriber has a small bounded
/// buffer; one that falls behind is dropped (its stream ends and the client reconnects), never waited for.
/// </summary>
public sealed class QueueHub
{
    public const int BufferSize = 256;
    readonly ConcurrentDictionary<(Guid tenant, Guid doctor), ConcurrentDictionary<QueueSubscription, byte>> _subscribers = new();
    volatile TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public QueueSubscription Subscribe(Guid tenantId, Guid doctorId)
    {
        var key = (tenantId, doctorId);
        var subscription = new QueueSubscription(this, key);
        _subscribers.GetOrAdd(key, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    public int SubscriberCount => _subscribers.Values.Sum(s => s.Count);

    public void Publish(QueueChange change)
    {
        if (!_subscribers.TryGetValue((change.TenantId, change.DoctorId), out var set)) return;
        foreach (var subscription in set.Keys) Offer(subscription, change);
    }

    /// <summary>Tells every subscriber to reload its board (after notifications may have been lost).</summary>
    public void PublishResync()
    {
        foreach (var (key, set) in _subscribers)
            foreach (var subscription in set.Keys)
                Offer(subscription, new QueueChange(key.tenant, key.doctor, default, null, QueueChange.Resync));
    }

    void Offer(QueueSubscription subscription, QueueChange change)
    {
        if (subscription.Writer.TryWrite(change)) return;
        subscription.Writer.TryComplete();
        Remove(subscription);
    }

    internal void Remove(QueueSubscription subscription)
    {
        if (_subscribers.TryGetValue(subscription.Key, out var set)) set.TryRemove(subscription, out _);
    }

    /// <summary>Completes when this instance's listener is listening (or at once if it already is).</summary>
    public Task WhenListening => _listening.Task;

    internal void Listening() => _listening.TrySetResult();

    internal void NotListening()
    {
        if (_listening.Task.IsCompleted) _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed class QueueSubscription : IDisposable
{
    readonly QueueHub _hub;
    readonly Channel<QueueChange> _channel = Channel.CreateBounded<QueueChange>(new BoundedChannelOptions(QueueHub.BufferSize)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });

    internal QueueSubscription(QueueHub hub, (Guid, Guid) key) => (_hub, Key) = (hub, key);

    internal (Guid tenant, Guid doctor) Key { get; }
    internal ChannelWriter<QueueChange> Writer => _channel.Writer;
    public ChannelReader<QueueChange> Reader => _channel.Reader;

    public void Dispose()
    {
        _hub.Remove(this);
        _channel.Writer.TryComplete();
    }
}

/// <summary>
/// One per instance: holds a dedicated connection that LISTENs on <see cref="QueueChange.Channel"/> and hands
/// each notification to the <see cref="QueueHub"/>. A lost connection is reopened with backoff; afterwards every
/// subscriber is told to resync, since notifications sent meanwhile are gone.
/// </summary>
public sealed class QueueListener(NpgsqlDataSource dataSource, QueueHub hub, TimeProvider time, ILogger<QueueListener> logger) : BackgroundService
{
    static readonly TimeSpan Ping = TimeSpan.FromSeconds(30);
    static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var retry = FirstRetry;
        var lost = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                conn.Notification += (_, e) =>
                {
                    if (QueueChange.Parse(e.Payload) is { } change) hub.Publish(change);
                    else logger.LogWarning("Ignored a malformed queue notification");
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {QueueChange.Channel}", conn))
                    await listen.ExecuteNonQueryAsync(ct);
                hub.Listening();
                if (lost)
                {
                    logger.LogInformation("Queue listener reconnected");
                    hub.PublishResync();
                }
                retry = FirstRetry;
                while (!ct.IsCancellationRequested)
                {
                    // A quiet connection is probed now and then, so a dead one is noticed and replaced.
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
                hub.NotListening();
                lost = true;
                logger.LogWarning("Queue listener lost its connection ({Message}); retrying in {Delay}", e.Message, retry);
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
