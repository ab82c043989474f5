using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Tenants;

/// <summary>
/// The super admin's view of the hospitals: list, inspect, approve, suspend, limit, reset an admin's
/// password, and platform metrics. Every change goes to the platform audit trail and to the
/// hospital's own trail, so its admins can see what the platform did to it.
/// </summary>
public static class PlatformTenantsEndpoints
{
    public static RouteGroupBuilder MapPlatformTenants(this RouteGroupBuilder api)
    {
        var tenants = api.MapGroup("/platform/tenants").WithTags("Platform").AddEndpointFilter<ValidationFilter>();
        tenants.MapGet("/", List).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("List hospitals, filtered by status and a name or slug search, with their user counts");
        tenants.MapGet("/{id:guid}", Get).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("One hospital with its settings, limits and counts (users, active users, open sessions, patients)");
        tenants.MapPost("/{id:guid}/activate", Activate).RequirePermission(Permissions.PlatformTenants).ProducesProblem(409)
            .WithSummary("Approve a VERIFIED hospital or reactivate a SUSPENDED or INACTIVE one");
        tenants.MapPost("/{id:guid}/suspend", Suspend).RequirePermission(Permissions.PlatformTenants).ProducesProblem(409)
            .WithSummary("Suspend a hospital: its users are refused at once (403 tenant_suspended)");
        tenants.MapPost("/{id:guid}/deactivate", Deactivate).RequirePermission(Permissions.PlatformTenants).ProducesProblem(409)
            .WithSummary("Deactivate a hospital: its users are refused at once (403 tenant_inactive)");
        tenants.MapPatch("/{id:guid}/limits", SetLimits).RequirePermission(Permissions.PlatformTenants).ProducesProblem(412)
            .WithSummary("Change the maximum number of users or patients (a limit left out stays; null means unlimited; If-Match with the hospital's version)");
        tenants.MapPost("/{id:guid}/reset-admin-password", ResetAdminPassword).RequirePermission(Permissions.PlatformTenants).ProducesProblem(409)
            .WithSummary("Email every hospital admin a password reset link and end their sessions");

        api.MapGroup("/platform/metrics").WithTags("Platform")
            .MapGet("/", Metrics).RequirePermission(Permissions.PlatformTenants)
            .WithSummary("Platform-wide metrics: hospitals by status, users, sessions, outbox, sign-ins in the last 24 hours");
        return api;
    }

    static async Task<Ok<Paged<PlatformTenantSummary>>> List([AsParameters] TenantListQuery query, CarebaseDb db, CancellationToken ct)
    {
        var tenants = db.Set<Tenant>().AsNoTracking();
        if (!string.IsNullOrEmpty(query.Status)) tenants = tenants.Where(t => t.Status == query.Status);
        if (!string.IsNullOrWhiteSpace(query.Q))
        {
            var pattern = Like.Contains(query.Q);
            tenants = tenants.Where(t => EF.Functions.ILike(t.Name, pattern, Like.Escape) || EF.Functions.ILike(t.Slug, pattern, Like.Escape));
        }
        return TypedResults.Ok(await tenants.Select(t => new { Tenant = t, Users = db.Users.Count(u => u.TenantId == t.Id) })
            .OrderBy(x => x.Tenant.Name).ThenBy(x => x.Tenant.Id)
            .ToPagedAsync(query, x => new PlatformTenantSummary(x.Tenant.Id, x.Tenant.Slug, x.Tenant.Name, x.Tenant.Status, x.Tenant.IsDemo,
                x.Users, x.Tenant.MaxUsers, x.Tenant.MaxPatients, x.Tenant.CreatedAt), ct));
    }

    static async Task<Ok<PlatformTenantDetail>> Get(Guid id, CarebaseDb db, NpgsqlDataSource data, TimeProvider time, CancellationToken ct)
    {
        var tenant = await db.Set<Tenant>().AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException("The hospital");
        return TypedResults.Ok(PlatformTenantDetail.From(tenant, await CountsAsync(data, tenant, time.GetUtcNow(), ct)));
    }

    static async Task<TenantCounts> CountsAsync(NpgsqlDataSource data, Tenant tenant, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await data.OpenConnectionAsync(ct);
        int users, active, sessions;
        bool hasPatients;
        await using (var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM platform.users WHERE tenant_id = $1)::int,
                   (SELECT count(*) FROM platform.users WHERE tenant_id = $1 AND is_active)::int,
                   (SELECT count(*) FROM platform.sessions s JOIN platform.users u ON u.id = s.user_id
                    WHERE u.tenant_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2)::int,
                   to_regclass(format('%I.patients', $3::text)) IS NOT NULL
            """, conn))
        {
            cmd.Parameters.AddWithValue(tenant.Id);
            cmd.Parameters.AddWithValue(now);
            cmd.Parameters.AddWithValue(tenant.SchemaName);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            (users, active, sessions, hasPatients) = (r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetBoolean(3));
        }
        int? patients = null;
        if (hasPatients)
        {
            // The patients feature may not be installed yet; count its table only where it exists.
            await using var cmd = new NpgsqlCommand($"SELECT count(*)::int FROM {MigrationRunner.Quote(tenant.SchemaName)}.patients", conn);
            patients = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        return new TenantCounts(users, active, sessions, patients);
    }

    static Task<Ok<TenantStatusResponse>> Activate(Guid id, TenantStatusChangeRequest? request, CarebaseDb db, AuditLog audit,
        SessionStore sessions, TimeProvider time, CancellationToken ct) =>
        ChangeStatusAsync(id, "tenant.activated", (t, now) => t.Activate(now), request, db, audit, sessions, time, ct);

    static Task<Ok<TenantStatusResponse>> Suspend(Guid id, TenantStatusChangeRequest? request, CarebaseDb db, AuditLog audit,
        SessionStore sessions, TimeProvider time, CancellationToken ct) =>
        ChangeStatusAsync(id, "tenant.suspended", (t, now) => t.Suspend(Reason(request), now), request, db, audit, sessions, time, ct);

    static Task<Ok<TenantStatusResponse>> Deactivate(Guid id, TenantStatusChangeRequest? request, CarebaseDb db, AuditLog audit,
        SessionStore sessions, TimeProvider time, CancellationToken ct) =>
        ChangeStatusAsync(id, "tenant.deactivated", (t, now) => t.Deactivate(Reason(request), now), request, db, audit, sessions, time, ct);

    static string? Reason(TenantStatusChangeRequest? request) => Input.Clean(request?.Reason);

    /// <summary>The guarded move on the entity (illegal → 409), audited in both trails, then every cached session forgotten so it applies at once.</summary>
    static async Task<Ok<TenantStatusResponse>> ChangeStatusAsync(Guid id, string action, Action<Tenant, DateTimeOffset> move,
        TenantStatusChangeRequest? request, CarebaseDb db, AuditLog audit, SessionStore sessions, TimeProvider time, CancellationToken ct)
    {
        var tenant = await TrackedAsync(id, db, ct);
        var from = tenant.Status;
        move(tenant, time.GetUtcNow());
        tenant.Version++;
        RecordBoth(audit, action, tenant, new { from, to = tenant.Status, reason = Reason(request) });
        await TenantChanges.SaveAsync(db, sessions, tenant.Id, ct);
        return TypedResults.Ok(new TenantStatusResponse(tenant.Id, tenant.Status, tenant.StatusReason, tenant.Version));
    }

    static async Task<Ok<TenantLimitsResponse>> SetLimits(Guid id, TenantLimitsRequest request, CarebaseDb db, AuditLog audit,
        HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var tenant = await TrackedAsync(id, db, ct);
        ETags.Check(http, tenant.Version);
        if (request.Has(nameof(request.MaxUsers))) tenant.MaxUsers = request.MaxUsers;
        if (request.Has(nameof(request.MaxPatients))) tenant.MaxPatients = request.MaxPatients;
        var changes = AuditLog.ChangesOf(db.Entry(tenant));
        if (changes.Count > 0)
        {
            tenant.UpdatedAt = time.GetUtcNow();
            tenant.Version++;
            RecordBoth(audit, "tenant.limits_changed", tenant, changes);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(new TenantLimitsResponse(tenant.Id, tenant.MaxUsers, tenant.MaxPatients, tenant.Version));
    }

    static async Task<Accepted<ResetAdminPasswordResponse>> ResetAdminPassword(Guid id, CarebaseDb db,
        AccountEmails emails, AuditLog audit, SessionStore sessions, CancellationToken ct)
    {
        var tenant = await TrackedAsync(id, db, ct);
        var admins = await db.Users
            .Where(u => u.TenantId == tenant.Id && u.IsActive && db.Set<UserRole>()
                .Any(ur => ur.UserId == u.Id && db.Set<Role>().Any(r => r.Id == ur.RoleId && r.Name == SystemRoles.HospitalAdmin)))
            .ToListAsync(ct);
        if (admins.Count == 0)
            throw new ConflictException("no_admin", "This hospital has no active HOSPITAL_ADMIN account to reset.");

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var admin in admins)
            {
                await emails.PasswordResetAsync(admin);
                RecordBoth(audit, "tenant.admin_password_reset", tenant, new { userId = admin.Id, email = admin.Email });
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        foreach (var admin in admins) await sessions.RevokeAllAsync(admin.Id, "platform-password-reset", ct);
        return TypedResults.Accepted((string?)null, new ResetAdminPasswordResponse(admins.Count));
    }

    static async Task<Ok<PlatformMetricsResponse>> Metrics(NpgsqlDataSource data, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var since = now.AddHours(-24);
        await using var conn = await data.OpenConnectionAsync(ct);
        var schemas = new List<string>();
        TenantsByStatus tenants;
        UserMetrics users;
        OutboxMetrics outbox;
        int sessions;
        await using (var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new("""
                    SELECT count(*) FILTER (WHERE status = 'PENDING')::int, count(*) FILTER (WHERE status = 'VERIFIED')::int,
                           count(*) FILTER (WHERE status = 'ACTIVE')::int, count(*) FILTER (WHERE status = 'SUSPENDED')::int,
                           count(*) FILTER (WHERE status = 'INACTIVE')::int, count(*)::int,
                           coalesce(array_agg(schema_name) FILTER (WHERE to_regclass(format('%I.audit_log', schema_name)) IS NOT NULL), '{}')
                    FROM platform.tenants
                    """),
                new("SELECT count(*)::int, count(*) FILTER (WHERE is_active)::int, count(*) FILTER (WHERE is_super_admin)::int FROM platform.users"),
                new("SELECT count(*)::int FROM platform.sessions WHERE revoked_at IS NULL AND expires_at > $1") { Parameters = { new() { Value = now } } },
                new("""
                    SELECT count(*) FILTER (WHERE status IN ('PENDING', 'SENDING'))::int, count(*) FILTER (WHERE status = 'FAILED')::int,
                           count(*) FILTER (WHERE status = 'SENT' AND sent_at >= $1)::int
                    FROM platform.outbox_messages
                    """) { Parameters = { new() { Value = since } } },
            },
        })
        {
            await using var r = await batch.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            tenants = new TenantsByStatus(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5));
            schemas.AddRange(r.GetFieldValue<string[]>(6));
            await r.NextResultAsync(ct);
            await r.ReadAsync(ct);
            users = new UserMetrics(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2));
            await r.NextResultAsync(ct);
            await r.ReadAsync(ct);
            sessions = r.GetInt32(0);
            await r.NextResultAsync(ct);
            await r.ReadAsync(ct);
            outbox = new OutboxMetrics(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2));
        }

        // Sign-ins are audited in the trail of the account's hospital (unknown accounts in the platform's): count across all of them.
        var trails = schemas.Select(s => $"{MigrationRunner.Quote(s)}.audit_log").Prepend("platform.audit_log")
            .Select(t => $"SELECT outcome FROM {t} WHERE action IN ('AUTH_LOGIN', 'auth.login') AND occurred_at >= $1");
        SignInMetrics signIns;
        await using (var cmd = new NpgsqlCommand($"""
            SELECT count(*) FILTER (WHERE outcome = 'SUCCESS')::int, count(*) FILTER (WHERE outcome <> 'SUCCESS')::int
            FROM ({string.Join("\nUNION ALL ", trails)}) logins
            """, conn))
        {
            cmd.Parameters.AddWithValue(since);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            signIns = new SignInMetrics(r.GetInt32(0), r.GetInt32(1));
        }
        return TypedResults.Ok(new PlatformMetricsResponse(now, tenants, users, sessions, outbox, signIns));
    }

    /// <summary>The hospital, tracked, with the unit of work put in its schema (for its audit trail and its roles).</summary>
    static async Task<Tenant> TrackedAsync(Guid id, CarebaseDb db, CancellationToken ct)
    {
        var tenant = await db.Set<Tenant>().SingleOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException("The hospital");
        await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);
        return tenant;
    }

    /// <summary>A super admin action on a hospital: in the platform trail and in the hospital's own trail (the unit of work is in its schema), in the same SaveChanges.</summary>
    static void RecordBoth(AuditLog audit, string action, Tenant tenant, object changes)
    {
        audit.Record(action, "tenant", tenant.Id, changes, platform: true);
        audit.Record(action, "tenant", tenant.Id, changes);
    }
}
