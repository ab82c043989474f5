using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Staff;

/// <summary>
/// The rules behind staff changes that need the database: the user limit, which roles and
/// departments may be assigned, and that a hospital keeps an active admin. Each runs inside the
/// caller's transaction. Locks are always taken in the same order — the tenant row first, then role
/// and department rows — so two staff changes never deadlock.
/// </summary>
static class StaffRules
{
    /// <summary>
    /// Locks the caller's tenant row (<c>FOR UPDATE</c>) until the transaction ends. Every change to the
    /// set of active staff takes this lock, so counting seats or admins under it is race-free.
    /// </summary>
    public static async Task<Tenant> LockTenantAsync(CarebaseDb db, Guid tenantId, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Lock the tenant inside a transaction.");
        var rows = await db.Set<Tenant>().FromSql($"SELECT * FROM platform.tenants WHERE id = {tenantId} FOR UPDATE")
            .AsNoTracking().ToListAsync(ct);
        return rows.Count == 1 ? rows[0] : throw new NotFoundException("The hospital");
    }

    /// <summary>Active staff accounts of the tenant (patient portal accounts do not take a seat).</summary>
    public static IQueryable<User> Staff(CarebaseDb db, Guid tenantId) =>
        db.Users.Where(u => u.TenantId == tenantId && u.PatientId == null);

    /// <summary>409 when one more active staff account would exceed the tenant's MaxUsers. Call with the tenant locked.</summary>
    public static async Task EnsureSeatAsync(CarebaseDb db, Tenant tenant, CancellationToken ct)
    {
        if (tenant.MaxUsers is not { } max) return;
        var active = await Staff(db, tenant.Id).CountAsync(u => u.IsActive, ct);
        if (active >= max)
            throw new ConflictException("user_limit_reached",
                $"This hospital may have at most {max} active staff accounts and already has {active}. Deactivate an account or ask the platform administrator to raise the limit.",
                new Dictionary<string, object?> { ["maxUsers"] = max, ["activeUsers"] = active });
    }

    /// <summary>
    /// The roles named by <paramref name="ids"/>, share-locked so they cannot be deleted before the
    /// transaction commits. 422 on <paramref name="field"/> for ids that are not roles of this tenant or
    /// for PATIENT (given with patient registration, not here).
    /// </summary>
    public static async Task<List<Role>> AssignableRolesAsync(CarebaseDb db, IReadOnlyCollection<Guid> ids, string field, CancellationToken ct)
    {
        var wanted = ids.Distinct().ToArray();
        var roles = await db.Set<Role>().FromSql($"SELECT * FROM roles WHERE id = ANY({wanted}) FOR SHARE").AsNoTracking().ToListAsync(ct);
        var errors = new FieldErrors();
        var missing = wanted.Except(roles.Select(r => r.Id)).ToArray();
        if (missing.Length > 0) errors.Add(field, $"No such role: {string.Join(", ", missing)}.");
        if (roles.Any(r => r.Name.Equals(SystemRoles.Patient, StringComparison.OrdinalIgnoreCase)))
            errors.Add(field, "The PATIENT role belongs to patient accounts and cannot be given to staff.");
        errors.ThrowIfAny();
        return roles.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>422 on <paramref name="field"/> for ids that are not departments of this tenant (share-locked like roles).</summary>
    public static async Task EnsureDepartmentsAsync(CarebaseDb db, IReadOnlyCollection<Guid> ids, string field, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        var wanted = ids.Distinct().ToArray();
        var found = await db.Set<Department>().FromSql($"SELECT * FROM departments WHERE id = ANY({wanted}) FOR SHARE")
            .AsNoTracking().Select(d => d.Id).ToListAsync(ct);
        var missing = wanted.Except(found).ToArray();
        if (missing.Length > 0) throw new ValidationException(field, $"No such department: {string.Join(", ", missing)}.");
    }

    /// <summary>
    /// Nobody grants what they do not hold: 403 when <paramref name="permissions"/> include a code the
    /// caller lacks (so users:write alone cannot make its holder an admin).
    /// </summary>
    public static void EnsureNoEscalation(Caller caller, IEnumerable<string> permissions)
    {
        var missing = permissions.Where(p => !caller.Has(p)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
            throw new ForbiddenException("permission_escalation",
                $"You cannot grant permissions you do not hold yourself: {string.Join(", ", missing)}.");
    }

    /// <summary>409 unless some active account other than <paramref name="userId"/> still holds HOSPITAL_ADMIN. Call with the tenant locked.</summary>
    public static async Task EnsureAnotherAdminAsync(CarebaseDb db, Guid tenantId, Guid userId, CancellationToken ct)
    {
        var adminRole = await db.Set<Role>().Where(r => r.Name == SystemRoles.HospitalAdmin).Select(r => r.Id).SingleAsync(ct);
        var others = await Staff(db, tenantId).CountAsync(u => u.IsActive && u.Id != userId
            && db.Set<UserRole>().Any(ur => ur.UserId == u.Id && ur.RoleId == adminRole), ct);
        if (others == 0)
            throw new ConflictException("last_admin", "This is the hospital's last active HOSPITAL_ADMIN; make someone else an admin first.");
    }

    public static async Task<bool> IsAdminAsync(CarebaseDb db, Guid userId, CancellationToken ct) =>
        await db.Set<UserRole>().AnyAsync(ur => ur.UserId == userId
            && db.Set<Role>().Any(r => r.Id == ur.RoleId && r.Name == SystemRoles.HospitalAdmin), ct);
}
