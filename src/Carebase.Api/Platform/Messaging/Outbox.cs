using Carebase.Api.Platform.Data;

namespace Carebase.Api.Platform.Messaging;

/// <summary>
/// Queues emails in the caller's unit of work: the message exists exactly when the change that
/// caused it commits. The dispatcher is nudged when a message is queued (and polls besides).
/// </summary>
public sealed class Outbox(CarebaseDb db, TimeProvider time, OutboxSignal signal)
{
    public void Email(string kind, string to, string subject, string body, Guid? tenantId = null)
    {
        var now = time.GetUtcNow();
        db.Add(new OutboxMessage
        {
            TenantId = tenantId ?? db.Tenant.TenantId, Kind = kind, Recipient = to, Subject = subject, Body = body,
            CreatedAt = now, NextAttemptAt = now,
        });
        signal.PendingAfterCommit();
    }
}

/// <summary>Wakes the dispatcher on this instance without waiting for its next poll.</summary>
public sealed class OutboxSignal
{
    readonly SemaphoreSlim _wake = new(0, 1);

    public void PendingAfterCommit()
    {
        // Released when the message is queued, before its commit: a dispatcher that wakes too early finds nothing
        // and takes the message on its next poll.
        if (_wake.CurrentCount == 0) try { _wake.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}

public static class PublicLinks
{
    /// <summary>Where the front end links in emails point (<c>Carebase:PublicUrl</c>, no trailing slash).</summary>
    public static string PublicUrl(this IConfiguration config) => (config["Carebase:PublicUrl"] ?? "http://localhost:5080").TrimEnd('/');
}
