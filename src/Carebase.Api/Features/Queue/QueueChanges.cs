using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Carebase.Api.Platform.Messaging;
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
public sealed class QueueHub(ILogger<QueueHub> logger) : IChannelListener
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

    string IChannelListener.Channel => QueueChange.Channel;

    void IChannelListener.OnNotification(string payload)
    {
        if (QueueChange.Parse(payload) is { } change) Publish(change);
        else logger.LogWarning("Ignored a malformed queue notification");
    }

    /// <summary>Listening (again); after a reconnection every subscriber resyncs, since notifications sent meanwhile are gone.</summary>
    void IChannelListener.OnListening(bool reconnected)
    {
        _listening.TrySetResult();
        if (reconnected) PublishResync();
    }

    void IChannelListener.OnLost()
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
