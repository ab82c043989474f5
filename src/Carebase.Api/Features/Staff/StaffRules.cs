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
/// caller's transaction. Role and department rows are share-locked as they are checked; the tenant
/// row is locked last, by <see cref="CheckBeforeCommitAsync"/> right before the commit, and nothing is
/// locked after it (patient registration locks it at the same point), so two changes never deadlock and
/// the row is held for a count and a commit, not for the whole change.
/// </summary>
static class StaffRules
{
    /// <summary>The caller's tenant as it is now (its name for emails); not locked.</summary>
    public static async Task<Tenant> TenantAsync(CarebaseDb db, Guid tenantId, CancellationToken ct) =>
        await db.Set<Tenant>().AsNoTracking().SingleOrDefaultAsync(t => t.Id == tenantId, ct) ?? throw new NotFoundException("The hospital");

    /// <summary>
    /// The last step of a staff change, after it is saved and right before the commit: locks the tenant row
    /// (<c>FOR NO KEY UPDATE</c>, so inserts that merely reference the tenant are not blocked) and then, in queries
    /// that see every change committed before the lock was granted and this one, refuses with 409 a change that
    /// took a seat beyond MaxUsers (<paramref name="seatTaken"/>) or left no active HOSPITAL_ADMIN
    /// (<paramref name="adminMayLeave"/>). Concurrent staff changes of a hospital take turns here only.
    /// </summary>
    public static async Task CheckBeforeCommitAsync(CarebaseDb db, Guid tenantId, bool seatTaken, bool adminMayLeave, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Check staff limits inside the change's transaction.");
        var max = await db.Database.SqlQuery<int?>($"SELECT max_users AS \"Value\" FROM platform.tenants WHERE id = {tenantId} FOR NO KEY UPDATE")
            .ToListAsync(ct);
        if (max.Count != 1) throw new NotFoundException("The hospital");
        if (seatTaken) await EnsureSeatAsync(db, tenantId, max[0], ct);
        if (adminMayLeave) await EnsureAnAdminAsync(db, tenantId, ct);
    }

    /// <summary>Active staff accounts of the tenant (patient portal accounts do not take a seat).</summary>
    public static IQueryable<User> Staff(CarebaseDb db, Guid tenantId) =>
        db.Users.Where(u => u.TenantId == tenantId && u.PatientId == null);

    /// <summary>409 when the active staff accounts, the one just added included, exceed the tenant's MaxUsers.</summary>
    static async Task EnsureSeatAsync(CarebaseDb db, Guid tenantId, int? maxUsers, CancellationToken ct)
    {
        if (maxUsers is not { } max) return;
        var active = await Staff(db, tenantId).CountAsync(u => u.IsActive, ct);
        if (active > max)
            throw new ConflictException("user_limit_reached",
                $"This hospital may have at most {max} active staff accounts and already has {active - 1}. Deactivate an account or ask the platform administrator to raise the limit.",
                new Dictionary<string, object?> { ["maxUsers"] = max, ["activeUsers"] = active - 1 });
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

    /// <summary>409 unless some active account, after the change, still holds HOSPITAL_ADMIN.</summary>
    static async Task EnsureAnAdminAsync(CarebaseDb db, Guid tenantId, CancellationToken ct)
    {
        var adminRole = await db.Set<Role>().Where(r => r.Name == SystemRoles.HospitalAdmin).Select(r => r.Id).SingleAsync(ct);
        var admins = await Staff(db, tenantId).CountAsync(u => u.IsActive
            && db.Set<UserRole>().Any(ur => ur.UserId == u.Id && ur.RoleId == adminRole), ct);
        if (admins == 0)
            throw new ConflictException("last_admin", "This is the hospital's last active HOSPITAL_ADMIN; make someone else an admin first.");
    }

    public static async Task<bool> IsAdminAsync(CarebaseDb db, Guid userId, CancellationToken ct) =>
        await db.Set<UserRole>().AnyAsync(ur => ur.UserId == userId
            && db.Set<Role>().Any(r => r.Id == ur.RoleId && r.Name == SystemRoles.HospitalAdmin), ct);
}
