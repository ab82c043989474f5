using System.Text.Json;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Carebase.Api.Platform.Audit;

/// <summary>
/// Writes audit entries for the current caller and request. <see cref="Record"/> adds the entry to the
/// unit of work so it commits with the change it describes; <see cref="WriteAsync"/> saves at once
/// (reads, sign-ins). Entries go to the tenant's trail when a tenant is in scope, else the platform's.
/// </summary>
public sealed class AuditLog(CarebaseDb db, Caller caller, IHttpContextAccessor http, TimeProvider time)
{
    static readonly string[] Secret = ["password", "hash", "token", "stamp", "secret", "key", "code"];
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds an entry to the pending unit of work (saved by the caller's SaveChanges).</summary>
    public void Record(string action, string resourceType, object? resourceId, object? changes = null,
        string outcome = AuditOutcome.Success, AuditActor? actor = null, bool platform = false)
    {
        var ctx = http.HttpContext;
        var who = actor ?? (caller.IsAuthenticated
            ? new AuditActor(caller.UserId, caller.Email, caller.Roles.ToArray(), caller.TenantId)
            : new AuditActor(null, null, [], db.Tenant.TenantId));
        db.Add(platform || db.Tenant.Schema is null ? (object)Fill<PlatformAuditEntry>() : Fill<AuditEntry>());

        T Fill<T>() where T : AuditRecord, new() => new()
        {
            OccurredAt = time.GetUtcNow(),
            TenantId = who.TenantId ?? db.Tenant.TenantId,
            UserId = who.UserId,
            UserEmail = who.Email,
            Roles = who.Roles,
            Action = action,
            ResourceType = resourceType,
            ResourceId = resourceId?.ToString(),
            Changes = changes is null ? null : changes as string ?? JsonSerializer.Serialize(changes, Json),
            Outcome = outcome,
            Ip = ctx?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(ctx?.Request.Headers.UserAgent.ToString(), 400),
            RequestId = ctx?.TraceIdentifier,
        };
    }

    /// <summary>Records and saves at once (for reads and sign-ins, which have no other change to ride on).</summary>
    public async Task WriteAsync(string action, string resourceType, object? resourceId, object? changes = null,
        string outcome = AuditOutcome.Success, AuditActor? actor = null, bool platform = false, CancellationToken ct = default)
    {
        Record(action, resourceType, resourceId, changes, outcome, actor, platform);
        await db.SaveChangesAsync(ct);
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
