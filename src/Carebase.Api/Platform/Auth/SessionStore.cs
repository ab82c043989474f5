using System.Collections.Concurrent;
using System.Diagnostics;
using Carebase.Api.Platform.Data;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace Carebase.Api.Platform.Auth;

/// <summary>What a request needs to know about its session, user and tenant.</summary>
public sealed record SessionSnapshot(
    Guid SessionId, Guid UserId, string Email, bool UserActive, bool IsSuperAdmin, bool MustChangePassword,
    Guid? PatientId, DateTimeOffset? RevokedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    Guid? TenantId, string? TenantSlug, string? TenantSchema, string? TenantStatus, int IdleMinutes,
    IReadOnlySet<string> Roles, IReadOnlySet<string> Permissions, TimeZoneInfo? TenantZone = null, int SlotMinutes = 15);

public enum RefreshOutcome { Rotated, Invalid, Reused, Idle }

/// <summary>
/// Sessions in platform.sessions. Each request reads its session (cached for a few seconds, so a
/// revocation reaches every instance within <see cref="CacheFor"/>; on the revoking instance at once).
/// </summary>
public sealed class SessionStore(NpgsqlDataSource db, TimeProvider time) : IDisposable
{
    readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 200_000 });
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(14);
    static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    /// <summary>When each user's cached sessions were last invalidated (only users that changed are here).</summary>
    readonly ConcurrentDictionary<Guid, long> _forgotten = new();

    sealed record Cached(SessionSnapshot Snapshot, long LoadedAt);

    public async Task<(Guid sessionId, Guid refreshId)> CreateAsync(Guid userId, string? ip, string? userAgent, CancellationToken ct)
    {
        var (sid, rid, now) = (Guid.CreateVersion7(), Guid.NewGuid(), time.GetUtcNow());
        await using var cmd = db.CreateCommand("""
            INSERT INTO platform.sessions (id, user_id, refresh_id, created_at, last_seen_at, expires_at, ip, user_agent)
            VALUES ($1, $2, $3, $4, $4, $5, $6, $7)
            """);
        cmd.Parameters.AddWithValue(sid);
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(rid);
        cmd.Parameters.AddWithValue(now);
        cmd.Parameters.AddWithValue(now + Lifetime);
        cmd.Parameters.AddWithValue((object?)ip ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)Truncate(userAgent, 400) ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
        return (sid, rid);
    }

    public async Task<SessionSnapshot?> GetAsync(Guid sessionId, CancellationToken ct)
    {
        if (cache.TryGetValue(sessionId, out Cached? hit)
            && !(_forgotten.TryGetValue(hit!.Snapshot.UserId, out var forgottenAt) && forgottenAt >= hit.LoadedAt))
            return hit.Snapshot;
        var loadedAt = Stopwatch.GetTimestamp();
        var snapshot = await LoadAsync(sessionId, ct);
        if (snapshot is not null)
            cache.Set(sessionId, new Cached(snapshot, loadedAt), new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = 1 });
        return snapshot;
    }

    async Task<SessionSnapshot?> LoadAsync(Guid sessionId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        SessionSnapshot? s;
        await using (var cmd = new NpgsqlCommand("""
            SELECT s.user_id, u.email, u.is_active, u.is_super_admin, u.must_change_password, u.patient_id,
                   s.revoked_at, s.last_seen_at, s.expires_at, t.id, t.slug, t.schema_name, t.status,
                   coalesce(t.idle_timeout_minutes, 30), t.timezone, coalesce(t.slot_minutes, 15)
            FROM platform.sessions s
            JOIN platform.users u ON u.id = s.user_id
            LEFT JOIN platform.tenants t ON t.id = u.tenant_id
            WHERE s.id = $1
            """, conn))
        {
            cmd.Parameters.AddWithValue(sessionId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return null;
            s = new SessionSnapshot(sessionId, r.GetGuid(0), r.GetString(1), r.GetBoolean(2), r.GetBoolean(3), r.GetBoolean(4),
                r.IsDBNull(5) ? null : r.GetGuid(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
                r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8),
                r.IsDBNull(9) ? null : r.GetGuid(9), r.IsDBNull(10) ? null : r.GetString(10),
                r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), r.GetInt32(13),
                new HashSet<string>(), new HashSet<string>(),
                r.IsDBNull(14) ? null : TimeZoneInfo.TryFindSystemTimeZoneById(r.GetString(14), out var zone) ? zone : TimeZoneInfo.Utc, r.GetInt32(15));
        }
        if (s.IsSuperAdmin)
            return s with { Roles = new HashSet<string> { "SUPER_ADMIN" }, Permissions = new HashSet<string> { Permissions.PlatformTenants } };
        if (s.TenantSchema is null) return s;

        var roles = new HashSet<string>();
        var permissions = new HashSet<string>();
        var schema = MigrationRunner.Quote(s.TenantSchema);
        await using (var cmd = new NpgsqlCommand(
            $"SELECT r.name::text, r.permissions FROM {schema}.user_roles ur JOIN {schema}.roles r ON r.id = ur.role_id WHERE ur.user_id = $1", conn))
        {
            cmd.Parameters.AddWithValue(s.UserId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                roles.Add(r.GetString(0));
                permissions.UnionWith(r.GetFieldValue<string[]>(1));
            }
        }
        return s with { Roles = roles, Permissions = permissions };
    }

    /// <summary>Records activity at most once a minute per session (the idle clock).</summary>
    public async Task TouchAsync(SessionSnapshot s, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - s.LastSeenAt < TouchEvery) return;
        await using var cmd = db.CreateCommand("UPDATE platform.sessions SET last_seen_at = $2 WHERE id = $1 AND revoked_at IS NULL");
        cmd.Parameters.AddWithValue(s.SessionId);
        cmd.Parameters.AddWithValue(now);
        await cmd.ExecuteNonQueryAsync(ct);
        cache.Remove(s.SessionId);
    }

    /// <summary>
    /// Swaps the session's refresh id in one conditional UPDATE: of two refreshes racing with the
    /// same token exactly one wins. A token that was already used revokes the whole session.
    /// </summary>
    public async Task<(RefreshOutcome outcome, Guid newRefreshId)> RotateAsync(Guid sessionId, Guid refreshId, CancellationToken ct)
    {
        var (next, now) = (Guid.NewGuid(), time.GetUtcNow());
        await using (var cmd = db.CreateCommand("""
            UPDATE platform.sessions s SET refresh_id = $3, last_seen_at = $4
            FROM platform.users u LEFT JOIN platform.tenants t ON t.id = u.tenant_id
            WHERE s.id = $1 AND u.id = s.user_id AND s.refresh_id = $2 AND s.revoked_at IS NULL
              AND s.expires_at > $4 AND u.is_active
              AND s.last_seen_at > $4 - make_interval(mins => coalesce(t.idle_timeout_minutes, 30))
            """))
        {
            cmd.Parameters.AddWithValue(sessionId);
            cmd.Parameters.AddWithValue(refreshId);
            cmd.Parameters.AddWithValue(next);
            cmd.Parameters.AddWithValue(now);
            if (await cmd.ExecuteNonQueryAsync(ct) == 1)
            {
                cache.Remove(sessionId);
                return (RefreshOutcome.Rotated, next);
            }
        }
        var current = await LoadAsync(sessionId, ct);
        if (current is null || current.RevokedAt is not null || !current.UserActive || current.ExpiresAt <= now)
            return (RefreshOutcome.Invalid, Guid.Empty);
        if (now - current.LastSeenAt >= TimeSpan.FromMinutes(current.IdleMinutes))
        {
            await RevokeAsync(sessionId, "idle", ct);
            return (RefreshOutcome.Idle, Guid.Empty);
        }
        // The session is alive but the token is not its current one: a replay. End the session.
        await RevokeAsync(sessionId, "refresh-token-reuse", ct);
        return (RefreshOutcome.Reused, Guid.Empty);
    }

    public async Task RevokeAsync(Guid sessionId, string reason, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE platform.sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL");
        cmd.Parameters.AddWithValue(sessionId);
        cmd.Parameters.AddWithValue(time.GetUtcNow());
        cmd.Parameters.AddWithValue(reason);
        await cmd.ExecuteNonQueryAsync(ct);
        cache.Remove(sessionId);
    }

    /// <summary>Ends every session of a user (password change or reset, deactivation, role change).</summary>
    public async Task RevokeAllAsync(Guid userId, string reason, CancellationToken ct, Guid? except = null)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE platform.sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $4");
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(time.GetUtcNow());
        cmd.Parameters.AddWithValue(reason);
        cmd.Parameters.AddWithValue(except ?? Guid.Empty);
        await cmd.ExecuteNonQueryAsync(ct);
        ForgetUser(userId);
    }

    /// <summary>Drops this instance's cached view of a user's sessions (after a role or status change).</summary>
    public void ForgetUser(Guid userId)
    {
        var now = Stopwatch.GetTimestamp();
        _forgotten[userId] = now;
        // Entries older than the cache lifetime no longer matter: keep the map small.
        if (_forgotten.Count > 10_000)
            foreach (var (user, at) in _forgotten)
                if (Stopwatch.GetElapsedTime(at, now) > CacheFor) _forgotten.TryRemove(user, out _);
    }

    /// <summary>Drops every cached session on this instance (after a tenant's status changes).</summary>
    public void ForgetAll() => cache.Clear();

    public void Dispose() => cache.Dispose();

    static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
