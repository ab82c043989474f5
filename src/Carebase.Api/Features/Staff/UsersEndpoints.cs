using Carebase.Api.Features.Departments;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Staff;

/// <summary>
/// Staff accounts of the caller's hospital: create, list, read, update, deactivate, activate and
/// admin-triggered password reset. Patient portal accounts are not staff and do not appear here.
/// </summary>
public static class UsersEndpoints
{
    public static RouteGroupBuilder MapUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users").AddEndpointFilter<ValidationFilter>();

        users.MapGet("/", List).RequirePermission(Permissions.UsersRead)
            .WithSummary("List staff, sorted by last name; filter by q (name or email), role (name or id), departmentId, isActive");
        users.MapGet("/{id:guid}", Get).RequirePermission(Permissions.UsersRead)
            .WithSummary("A staff account (ETag for If-Match)");
        users.MapPost("/", Create).RequirePermission(Permissions.UsersWrite).ProducesProblem(409)
            .WithSummary("Create a staff account; it must choose its own password at first sign-in");
        users.MapPatch("/{id:guid}", Update).RequirePermission(Permissions.UsersWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Change name, phone, roles or departments (If-Match supported)");
        users.MapPost("/{id:guid}/deactivate", Deactivate).RequirePermission(Permissions.UsersWrite).ProducesProblem(409)
            .WithSummary("Deactivate an account; all its sessions end at once");
        users.MapPost("/{id:guid}/activate", Activate).RequirePermission(Permissions.UsersWrite).ProducesProblem(409)
            .WithSummary("Reactivate an account (counts against the user limit)");
        users.MapPost("/{id:guid}/reset-password", ResetPassword).RequirePermission(Permissions.UsersWrite).ProducesProblem(409)
            .WithSummary("Set a temporary password (204) or email a reset link (202); all sessions end either way");
        return api;
    }

    static async Task<Ok<Paged<UserResponse>>> List([AsParameters] UserListQuery query, Caller caller, CarebaseDb db, CancellationToken ct)
    {
        var users = StaffRules.Staff(db, caller.Tenant).AsNoTracking();
        if (Input.Clean(query.Q) is { } q)
        {
            var pattern = Like.Contains(q);
            users = users.Where(u => EF.Functions.ILike(u.FirstName + " " + u.LastName, pattern, Like.Escape) || EF.Functions.ILike(u.Email!, pattern, Like.Escape));
        }
        if (Input.Clean(query.Role) is { } role)
        {
            var roleIds = Guid.TryParse(role, out var rid)
                ? [rid]
                : await db.Set<Role>().Where(r => r.Name == role).Select(r => r.Id).ToListAsync(ct);
            users = users.Where(u => db.Set<UserRole>().Any(ur => ur.UserId == u.Id && roleIds.Contains(ur.RoleId)));
        }
        if (query.DepartmentId is { } dep)
            users = users.Where(u => db.Set<UserDepartment>().Any(ud => ud.UserId == u.Id && ud.DepartmentId == dep));
        if (query.IsActive is { } active) users = users.Where(u => u.IsActive == active);

        return TypedResults.Ok(await users.OrderBy(u => u.LastName).ThenBy(u => u.FirstName).ThenBy(u => u.Id)
            .ToPagedAsync(query, (rows, c) => ResponsesAsync(db, rows, c), ct));
    }

    static async Task<Ok<UserResponse>> Get(Guid id, Caller caller, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var user = await FindAsync(db, caller, id, ct, track: false);
        ETags.Send(http, user.Version);
        return TypedResults.Ok((await ResponsesAsync(db, [user], ct))[0]);
    }

    static async Task<Created<UserResponse>> Create(CreateUserRequest request, Caller caller, CarebaseDb db, UserAccounts accounts,
        AccountEmails emails, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var tenantId = caller.Tenant;
        var roleIds = request.RoleIds!.Distinct().ToArray();
        var departmentIds = (request.DepartmentIds ?? []).Distinct().ToArray();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var tenant = await StaffRules.TenantAsync(db, tenantId, ct);
        var roles = await StaffRules.AssignableRolesAsync(db, roleIds, "roleIds", ct);
        await StaffRules.EnsureDepartmentsAsync(db, departmentIds, "departmentIds", ct);
        StaffRules.EnsureNoEscalation(caller, roles.SelectMany(r => r.Permissions));

        var emailed = request.TemporaryPassword is null;
        var user = await accounts.CreateAsync(tenantId, request.FirstName!, request.LastName!, request.Email!,
            request.TemporaryPassword ?? PasswordPolicy.RandomPassword(), mustChangePassword: true, emailConfirmed: true,
            passwordField: "temporaryPassword", ct);
        user.PhoneNumber = Input.Clean(request.Phone);
        foreach (var role in roles) db.Add(new UserRole { UserId = user.Id, RoleId = role.Id });
        foreach (var dep in departmentIds) db.Add(new UserDepartment { UserId = user.Id, DepartmentId = dep });
        if (emailed) await emails.WelcomeAsync(user, tenant.Name);
        audit.Record("user.created", "user", user.Id, new
        {
            email = user.Email, firstName = user.FirstName, lastName = user.LastName, phone = user.PhoneNumber,
            roles = roles.Select(r => r.Name).ToArray(), departmentIds, setPasswordEmailed = emailed,
        });
        await db.SaveChangesAsync(ct);
        await StaffRules.CheckBeforeCommitAsync(db, tenantId, seatTaken: true, adminMayLeave: false, ct);
        await tx.CommitAsync(ct);

        ETags.Send(http, user.Version);
        return TypedResults.Created($"/api/v1/users/{user.Id}", UserResponse.From(user, roles.Select(r => new RoleRef(r.Id, r.Name)).ToArray(), departmentIds));
    }

    static async Task<Ok<UserResponse>> Update(Guid id, UpdateUserRequest request, Caller caller, CarebaseDb db, SessionStore sessions,
        AuditLog audit, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var tenantId = caller.Tenant;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await FindAsync(db, caller, id, ct);
        ETags.Check(http, user.Version);

        if (request.Has(nameof(request.FirstName))) user.FirstName = request.FirstName!.Trim();
        if (request.Has(nameof(request.LastName))) user.LastName = request.LastName!.Trim();
        if (request.Has(nameof(request.Phone))) user.PhoneNumber = Input.Clean(request.Phone);
        var changes = AuditLog.ChangesOf(db.Entry(user));

        var rolesChanged = false;
        var adminMayLeave = false;
        if (request.Has(nameof(request.RoleIds)))
        {
            var current = await db.Set<UserRole>().Where(ur => ur.UserId == id).ToListAsync(ct);
            var roles = await StaffRules.AssignableRolesAsync(db, request.RoleIds!, "roleIds", ct);
            var wanted = roles.Select(r => r.Id).ToHashSet();
            var added = roles.Where(r => current.All(c => c.RoleId != r.Id)).ToArray();
            var removed = current.Where(c => !wanted.Contains(c.RoleId)).ToArray();
            StaffRules.EnsureNoEscalation(caller, added.SelectMany(r => r.Permissions));
            adminMayLeave = user.IsActive && roles.All(r => r.Name != SystemRoles.HospitalAdmin) && await StaffRules.IsAdminAsync(db, id, ct);
            if (added.Length > 0 || removed.Length > 0)
            {
                rolesChanged = true;
                db.RemoveRange(removed);
                foreach (var role in added) db.Add(new UserRole { UserId = id, RoleId = role.Id });
                var names = await db.Set<Role>().Where(r => current.Select(c => c.RoleId).Contains(r.Id)).Select(r => r.Name).ToListAsync(ct);
                changes["roles"] = new { from = names.Order().ToArray(), to = roles.Select(r => r.Name).ToArray() };
            }
        }
        if (request.Has(nameof(request.DepartmentIds)))
        {
            var wanted = (request.DepartmentIds ?? []).Distinct().ToArray();
            await StaffRules.EnsureDepartmentsAsync(db, wanted, "departmentIds", ct);
            var current = await db.Set<UserDepartment>().Where(ud => ud.UserId == id).ToListAsync(ct);
            if (!current.Select(c => c.DepartmentId).ToHashSet().SetEquals(wanted))
            {
                db.RemoveRange(current.Where(c => !wanted.Contains(c.DepartmentId)));
                foreach (var dep in wanted.Where(d => current.All(c => c.DepartmentId != d)))
                    db.Add(new UserDepartment { UserId = id, DepartmentId = dep });
                changes["departmentIds"] = new { from = current.Select(c => c.DepartmentId).ToArray(), to = wanted };
            }
        }

        if (changes.Count > 0)
        {
            user.Touch(time.GetUtcNow());
            audit.Record("user.updated", "user", id, changes);
            await db.SaveChangesAsync(ct);
            // Taking the role away from the last admin is refused here, under the tenant lock, with the change counted.
            if (adminMayLeave) await StaffRules.CheckBeforeCommitAsync(db, tenantId, seatTaken: false, adminMayLeave: true, ct);
        }
        await tx.CommitAsync(ct);
        if (rolesChanged) sessions.ForgetUser(id); // the next request loads the new permissions

        ETags.Send(http, user.Version);
        return TypedResults.Ok((await ResponsesAsync(db, [user], ct))[0]);
    }

    static async Task<Ok<UserResponse>> Deactivate(Guid id, Caller caller, CarebaseDb db, SessionStore sessions, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        var tenantId = caller.Tenant;
        if (id == caller.UserId)
            throw new ConflictException("cannot_deactivate_self", "You cannot deactivate your own account; ask another administrator.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await FindAsync(db, caller, id, ct);
        if (user.IsActive)
        {
            user.IsActive = false;
            user.Touch(time.GetUtcNow());
            audit.Record("user.deactivated", "user", id, new { isActive = new { from = true, to = false } });
            await db.SaveChangesAsync(ct);
            if (await StaffRules.IsAdminAsync(db, id, ct))
                await StaffRules.CheckBeforeCommitAsync(db, tenantId, seatTaken: false, adminMayLeave: true, ct);
        }
        await tx.CommitAsync(ct);
        await sessions.RevokeAllAsync(id, "deactivated", ct);
        return TypedResults.Ok((await ResponsesAsync(db, [user], ct))[0]);
    }

    static async Task<Ok<UserResponse>> Activate(Guid id, Caller caller, CarebaseDb db, SessionStore sessions, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await FindAsync(db, caller, id, ct);
        if (!user.IsActive)
        {
            user.IsActive = true;
            user.Touch(time.GetUtcNow());
            audit.Record("user.activated", "user", id, new { isActive = new { from = false, to = true } });
            await db.SaveChangesAsync(ct);
            await StaffRules.CheckBeforeCommitAsync(db, caller.Tenant, seatTaken: true, adminMayLeave: false, ct);
        }
        await tx.CommitAsync(ct);
        sessions.ForgetUser(id);
        return TypedResults.Ok((await ResponsesAsync(db, [user], ct))[0]);
    }

    static async Task<Results<NoContent, Accepted>> ResetPassword(Guid id, ResetUserPasswordRequest? request, Caller caller, CarebaseDb db,
        UserManager<User> users, PasswordPolicy passwords, AccountEmails emails, SessionStore sessions, AuditLog audit, TimeProvider time,
        CancellationToken ct)
    {
        var user = await FindAsync(db, caller, id, ct);
        if (!user.IsActive)
            throw new ConflictException("account_deactivated", "The account is deactivated; activate it before resetting its password.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var temporary = request?.TemporaryPassword;
        if (temporary is not null)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            UserAccounts.ThrowIfFailed(await users.ResetPasswordAsync(user, token, temporary), "temporaryPassword");
            var now = time.GetUtcNow();
            user.MustChangePassword = true;
            user.PasswordChangedAt = now;
            user.Touch(now);
            // An admin reset also lifts a lockout: the account gets a known password from someone who checked who they are.
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;
            passwords.Remember(user);
        }
        else
        {
            await emails.PasswordResetAsync(user);
        }
        audit.Record("user.password_reset", "user", id, new { mode = temporary is null ? "EMAIL_LINK" : "TEMPORARY_PASSWORD" });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await sessions.RevokeAllAsync(id, "admin-password-reset", ct);
        return temporary is null ? TypedResults.Accepted((string?)null) : TypedResults.NoContent();
    }

    /// <summary>A staff account of the caller's hospital, or 404.</summary>
    static async Task<User> FindAsync(CarebaseDb db, Caller caller, Guid id, CancellationToken ct, bool track = true)
    {
        var staff = StaffRules.Staff(db, caller.Tenant);
        return await (track ? staff : staff.AsNoTracking()).SingleOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFoundException("The user");
    }

    /// <summary>Responses for <paramref name="users"/> with their roles and departments, in two queries.</summary>
    static async Task<IReadOnlyList<UserResponse>> ResponsesAsync(CarebaseDb db, IReadOnlyList<User> users, CancellationToken ct)
    {
        var ids = users.Select(u => u.Id).ToArray();
        var roles = (await (from ur in db.Set<UserRole>().AsNoTracking()
                            join r in db.Set<Role>().AsNoTracking() on ur.RoleId equals r.Id
                            where ids.Contains(ur.UserId)
                            select new { ur.UserId, r.Id, r.Name }).ToListAsync(ct))
            .ToLookup(x => x.UserId, x => new RoleRef(x.Id, x.Name));
        var departments = (await db.Set<UserDepartment>().AsNoTracking().Where(ud => ids.Contains(ud.UserId)).ToListAsync(ct))
            .ToLookup(x => x.UserId, x => x.DepartmentId);
        return users.Select(u => UserResponse.From(u,
            roles[u.Id].OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToArray(),
            departments[u.Id].Order().ToArray())).ToList();
    }
}
