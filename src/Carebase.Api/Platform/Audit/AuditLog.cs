using System.Text.Json;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Npgsql;

namespace Carebase.Api.Platform.Audit;

/// <summary>
/// Writes audit entries for the current caller and request. <see cref="Record"/> adds the entry to the
/// unit of work so it commits with the change it describes; <see cref="WriteAsync"/> saves at once
/// (reads, sign-ins). Entries go to the tenant's trail when a tenant is in scope, else the platform's.
/// </summary>
public sealed class AuditLog(CarebaseDb db, Caller caller, IHttpContextAccessor http, TimeProvider time, NpgsqlDataSource dataSource)
{
    static readonly string[] Secret = ["password", "hash", "token", "stamp", "secret", "key", "code"];
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Set when this request opened a confidential record through a break-glass grant: every entry the request writes
    /// carries the grant's id in its changes (<c>breakGlassGrantId</c>), so the grant's review lists what was opened.
    /// </summary>
    public Guid? BreakGlassGrantId { get; set; }

    /// <summary>Adds an entry to the pending unit of work (saved by the caller's SaveChanges, in its transaction).</summary>
    public void Record(string action, string resourceType, object? resourceId, object? changes = null,
        string outcome = AuditOutcome.Success, AuditActor? actor = null, bool platform = false)
    {
        var trail = Trail(platform);
        db.Add(trail == AuditSeal.PlatformTrail
            ? (object)Build<PlatformAuditEntry>(action, resourceType, resourceId, changes, outcome, actor)
            : Build<AuditEntry>(action, resourceType, resourceId, changes, outcome, actor));
        AuditSeal.Expect(db, trail); // sealed into the chain once the unit of work commits
    }

    /// <summary>
    /// Writes an entry on its own, for events with no change to ride on (reads, sign-ins): one round trip that
    /// inserts it, chained at once, and commits with synchronous_commit off (the insert is the last statement,
    /// so the trail's lock is held for microseconds). The row is in PostgreSQL when this returns;
    /// only a crash of the database server itself within a fraction of a second could drop it. Changes of data
    /// never use this: their entries commit with them through <see cref="Record"/>.
    /// </summary>
    public async Task WriteAsync(string action, string resourceType, object? resourceId, object? changes = null,
        string outcome = AuditOutcome.Success, AuditActor? actor = null, bool platform = false, CancellationToken ct = default)
    {
        var e = Build<AuditEntry>(action, resourceType, resourceId, changes, outcome, actor);
        var trail = Trail(platform);
        var table = $"{MigrationRunner.Quote(trail)}.audit_log";
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO OFF"));
        // The insert is the transaction's last statement: chained as it is inserted (see AuditSeal).
        batch.BatchCommands.Add(new NpgsqlBatchCommand(AuditSeal.ChainNow));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO {table} (id, occurred_at, tenant_id, user_id, user_email, roles, action, resource_type, resource_id,
                changes, outcome, ip, user_agent, request_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14)
            """)
        {
            Parameters =
            {
                new() { Value = e.Id }, new() { Value = e.OccurredAt }, new() { Value = (object?)e.TenantId ?? DBNull.Value },
                new() { Value = (object?)e.UserId ?? DBNull.Value }, new() { Value = (object?)e.UserEmail ?? DBNull.Value },
                new() { Value = e.Roles }, new() { Value = e.Action }, new() { Value = e.ResourceType },
                new() { Value = (object?)e.ResourceId ?? DBNull.Value }, new() { Value = (object?)e.Changes ?? DBNull.Value },
                new() { Value = e.Outcome }, new() { Value = (object?)e.Ip ?? DBNull.Value }, new() { Value = (object?)e.UserAgent ?? DBNull.Value },
                new() { Value = (object?)e.RequestId ?? DBNull.Value },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The trail an entry goes to: the tenant's schema when a tenant is in scope, else the platform's.</summary>
    string Trail(bool platform) => platform || db.Tenant.Schema is null ? AuditSeal.PlatformTrail : db.Tenant.Schema;

    T Build<T>(string action, string resourceType, object? resourceId, object? changes, string outcome, AuditActor? actor)
        where T : AuditRecord, new()
    {
        (action, resourceType) = (AuditActions.Normalize(action), AuditActions.Normalize(resourceType));
        if (!AuditActions.All.Contains(action) || !AuditActions.ResourceTypes.Contains(resourceType))
            throw new InvalidOperationException($"Add the audit action {action} / resource type {resourceType} to {nameof(AuditActions)}.");
        var ctx = http.HttpContext;
        var who = actor ?? (caller.IsAuthenticated
            ? new AuditActor(caller.UserId, caller.Email, caller.Roles.ToArray(), caller.TenantId)
            : new AuditActor(null, null, [], db.Tenant.TenantId));
        return new T
        {
            OccurredAt = time.GetUtcNow(),
            TenantId = who.TenantId ?? db.Tenant.TenantId,
            UserId = who.UserId,
            UserEmail = who.Email,
            Roles = who.Roles,
            Action = action,
            ResourceType = resourceType,
            ResourceId = resourceId?.ToString(),
            Changes = Serialize(changes),
            Outcome = outcome,
            Ip = ctx?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(ctx?.Request.Headers.UserAgent.ToString(), 400),
            RequestId = ctx?.TraceIdentifier,
        };
    }

    string? Serialize(object? changes)
    {
        var json = changes is null ? null : changes as string ?? JsonSerializer.Serialize(changes, Json);
        if (BreakGlassGrantId is not { } grant) return json;
        var node = json is null ? null : System.Text.Json.Nodes.JsonNode.Parse(json);
        var flagged = node as System.Text.Json.Nodes.JsonObject ?? new System.Text.Json.Nodes.JsonObject { ["value"] = node };
        flagged["breakGlassGrantId"] = grant.ToString();
        return flagged.ToJsonString();
    }

    /// <summary>The modified fields of a tracked entity as { field: { from, to } }, without secrets.</summary>
    public static Dictionary<string, object?> ChangesOf(EntityEntry entry)
    {
        var changes = new Dictionary<string, object?>();
        foreach (var p in entry.Properties)
        {
            var name = p.Metadata.Name;
            if (Secret.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase))) continue;
            if (entry.State == EntityState.Added)
                changes[Camel(name)] = p.CurrentValue;
            else if (p.IsModified && !Equals(p.OriginalValue, p.CurrentValue))
                changes[Camel(name)] = new { from = p.OriginalValue, to = p.CurrentValue };
        }
        return changes;
    }

    static string Camel(string s) => char.ToLowerInvariant(s[0]) + s[1..];
    static string? Truncate(string? s, int max) => string.IsNullOrEmpty(s) ? null : s.Length <= max ? s : s[..max];
}

/// <summary>Who did it, when that is not the signed-in caller (a sign-in attempt, a system job).</summary>
public sealed record AuditActor(Guid? UserId, string? Email, string[] Roles, Guid? TenantId);
