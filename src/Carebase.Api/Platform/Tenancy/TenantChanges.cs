using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Platform.Tenancy;

/// <summary>
/// A hospital's settings or status changed (zone, slot length, idle timeout, suspension…). Sessions cache them for a few
/// seconds on every instance; the change is announced through <c>pg_notify</c> in the changing transaction, and every
/// instance drops its cached sessions when it hears it, so the change applies everywhere at once.
/// </summary>
public sealed class TenantChanges(SessionStore sessions) : IChannelListener
{
    public const string ChannelName = "carebase_tenant";

    public string Channel => ChannelName;

    /// <summary>
    /// Saves the unit of work and announces the change in the same transaction (delivered when, and only if, it commits),
    /// and drops this instance's cached sessions at once. Every instance, this one included, drops them again on delivery.
    /// </summary>
    public static async Task SaveAsync(CarebaseDb db, SessionStore sessions, Guid tenantId, CancellationToken ct)
    {
        await using var tx = await db.BeginOrJoinAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({ChannelName}, {tenantId.ToString()})", ct);
        await db.SaveChangesAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        sessions.ForgetAll();
    }

    public void OnNotification(string payload) => sessions.ForgetAll();

    public void OnListening(bool reconnected)
    {
        if (reconnected) sessions.ForgetAll();
    }

    public void OnLost() { }
}
