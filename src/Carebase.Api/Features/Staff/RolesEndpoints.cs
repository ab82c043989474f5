using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Carebase.Api.Platform.Tenancy;
using Carebase.Api.Platform.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Api.Features.Staff;

/// <summary>
/// Roles of the caller's hospital (the system roles and custom ones) and the permission catalog.
/// System roles follow the code and cannot be changed or deleted here.
/// </summary>
public static class RolesEndpoints
{
    public static RouteGroupBuilder MapRoles(this RouteGroupBuilder api)
    {
        var roles = api.MapGroup("/roles").WithTags("Roles").AddEndpointFilter<ValidationFilter>();
        roles.MapGet("/", List).RequirePermission(Permissions.RolesRead)
            .WithSummary("List roles (system and custom) with their permissions and how many accounts hold each");
        roles.MapGet("/{id:guid}", Get).RequirePermission(Permissions.RolesRead)
            .WithSummary("A role (ETag for If-Match)");
        roles.MapPost("/", Create).RequirePermission(Permissions.RolesWrite).ProducesProblem(409)
            .WithSummary("Create a custom role from permission codes (see GET /permissions)");
        roles.MapPatch("/{id:guid}", Update).RequirePermission(Permissions.RolesWrite).ProducesProblem(409).ProducesProblem(412)
            .WithSummary("Rename a custom role or change its permissions; takes effect on its holders' next request");
        roles.MapDelete("/{id:guid}", Delete).RequirePermission(Permissions.RolesWrite).ProducesProblem(409)
            .WithSummary("Delete a custom role that nobody holds");

        api.MapGroup("/permissions").WithTags("Roles").AddEndpointFilter<ValidationFilter>()
            .MapGet("/", Catalog).RequirePermission(Permissions.RolesRead)
            .WithSummary("The permission codes a role can hold, grouped by area");
        return api;
    }

    static async Task<Ok<Paged<RoleResponse>>> List([AsParameters] PageQuery query, CarebaseDb db, CancellationToken ct) =>
        TypedResults.Ok(await db.Set<Role>().AsNoTracking()
            .Select(r => new { Role = r, Users = db.Set<UserRole>().Count(ur => ur.RoleId == r.Id) })
            .OrderByDescending(x => x.Role.IsSystem).ThenBy(x => x.Role.Name)
            .ToPagedAsync(query, x => RoleResponse.From(x.Role, x.Users), ct));

    static async Task<Ok<RoleResponse>> Get(Guid id, CarebaseDb db, HttpContext http, CancellationToken ct)
    {
        var role = await db.Set<Role>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException("The role");
        ETags.Send(http, role.Version);
        return TypedResults.Ok(RoleResponse.From(role, await UserCountAsync(db, id, ct)));
    }

    static async Task<Created<RoleResponse>> Create(CreateRoleRequest request, Caller caller, CarebaseDb db, AuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var name = request.Name!.Trim();
        var permissions = request.Permissions!.Distinct().Order(StringComparer.Ordinal).ToArray();
        StaffRules.EnsureNoEscalation(caller, permissions);
        await EnsureNameFreeAsync(db, name, null, ct);

        var role = Role.Custom(name, Input.Clean(request.Description), permissions, time.GetUtcNow());
        db.Add(role);
        audit.Record("role.created", "role", role.Id, new { name, description = role.Description, permissions });
        await db.SaveChangesAsync(ct);
        ETags.Send(http, role.Version);
        return TypedResults.Created($"/api/v1/roles/{role.Id}", RoleResponse.From(role, 0));
    }

    static async Task<Ok<RoleResponse>> Update(Guid id, UpdateRoleRequest request, Caller caller, CarebaseDb db, SessionStore sessions,
        AuditLog audit, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var role = await LockAsync(db, id, ct);
        if (role.IsSystem) throw SystemRole(role);
        ETags.Check(http, role.Version);

        if (request.Has(nameof(request.Name)) && request.Name!.Trim() is var name && name != role.Name)
        {
            await EnsureNameFreeAsync(db, name, id, ct);
            role.Name = name;
        }
        if (request.Has(nameof(request.Description))) role.Description = Input.Clean(request.Description);
        var permissionsChanged = false;
        if (request.Has(nameof(request.Permissions)))
        {
            var permissions = request.Permissions!.Distinct().Order(StringComparer.Ordinal).ToArray();
            StaffRules.EnsureNoEscalation(caller, permissions.Except(role.Permissions));
            if (!permissions.ToHashSet().SetEquals(role.Permissions))
            {
                role.Permissions = permissions;
                permissionsChanged = true;
            }
        }

        var entry = db.Entry(role);
        // Arrays are compared by reference; say plainly whether the set changed.
        var changes = AuditLog.ChangesOf(entry);
        if (!permissionsChanged) changes.Remove("permissions");
        if (changes.Count > 0)
        {
            role.Touch(time.GetUtcNow());
            audit.Record("role.updated", "role", id, changes);
            // Sessions cache their permissions: drop them on every instance so every holder of the role sees the change at once.
            if (permissionsChanged) await TenantChanges.SaveAsync(db, sessions, caller.Tenant, ct);
            else await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);

        ETags.Send(http, role.Version);
        return TypedResults.Ok(RoleResponse.From(role, await UserCountAsync(db, id, ct)));
    }

    static async Task<NoContent> Delete(Guid id, CarebaseDb db, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The row lock makes a concurrent assignment (which share-locks the role) wait, so the count below is final.
        var role = await LockAsync(db, id, ct);
        if (role.IsSystem) throw SystemRole(role);
        ETags.Check(http, role.Version);
        var holders = await UserCountAsync(db, id, ct);
        if (holders > 0)
            throw new ConflictException("role_in_use",
                $"The role '{role.Name}' is still assigned to {holders} {(holders == 1 ? "account" : "accounts")}; take it away from them first.",
                new Dictionary<string, object?> { ["userCount"] = holders });
        db.Remove(role);
        audit.Record("role.deleted", "role", id, new { name = role.Name, permissions = role.Permissions });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static Ok<PermissionAreaResponse[]> Catalog() =>
        TypedResults.Ok(Permissions.All.Where(p => Permissions.AssignableToTenantRole(p.Code))
            .GroupBy(p => p.Area)
            .Select(g => new PermissionAreaResponse(g.Key, g.Select(p => new PermissionResponse(p.Code, p.Description)).ToArray()))
            .ToArray());

    static async Task<Role> LockAsync(CarebaseDb db, Guid id, CancellationToken ct) =>
        (await db.Set<Role>().FromSql($"SELECT * FROM roles WHERE id = {id} FOR UPDATE").ToListAsync(ct)).SingleOrDefault()
        ?? throw new NotFoundException("The role");

    static Task<int> UserCountAsync(CarebaseDb db, Guid roleId, CancellationToken ct) =>
        db.Set<UserRole>().CountAsync(ur => ur.RoleId == roleId, ct);

    /// <summary>409 when the name is a system role's or another role's (names compare case-insensitively).</summary>
    static async Task EnsureNameFreeAsync(CarebaseDb db, string name, Guid? except, CancellationToken ct)
    {
        var upper = name.ToUpperInvariant();
        if (SystemRoles.IsSystem(name)
            || await db.Set<Role>().AnyAsync(r => r.Id != except && r.Name.ToUpper() == upper, ct))
            throw new ConflictException("role_name_taken", $"A role named '{name}' already exists.");
    }

    static ConflictException SystemRole(Role role) =>
        new("system_role", $"'{role.Name}' is a system role; it follows the product's definition and cannot be changed or deleted.");
}
