using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Carebase.Api.Features.Tenants;

/// <summary>The first account of a new hospital.</summary>
public sealed record NewAdmin(string FirstName, string LastName, string Email, string Password, bool EmailConfirmed);

/// <summary>
/// Creates a hospital in one transaction: its row, its schema with every tenant migration, its
/// system roles, and its first admin. Either all of it exists afterwards or none of it.
/// The caller commits (so it can add its own outbox message and audit entry to the same transaction).
/// </summary>
public sealed class TenantProvisioning(CarebaseDb db, UserAccounts accounts, TimeProvider time)
{
    public async Task<User> CreateAsync(Tenant tenant, NewAdmin admin, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Provision a tenant inside a transaction.");
        if (await db.Set<Tenant>().AnyAsync(t => t.Slug == tenant.Slug, ct))
            throw new ConflictException("slug_taken", $"The slug '{tenant.Slug}' is already taken.");
        db.Add(tenant);
        await db.SaveChangesAsync(ct);

        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await MigrationRunner.CreateTenantSchemaAsync(conn, tenant.SchemaName, ct);
        await CatalogSync.SyncSystemRolesAsync(conn, tenant.SchemaName, time.GetUtcNow(), ct);
        await db.UseTenantAsync(tenant.Id, tenant.SchemaName, ct);

        var user = await accounts.CreateAsync(tenant.Id, admin.FirstName, admin.LastName, admin.Email, admin.Password,
            mustChangePassword: false, emailConfirmed: admin.EmailConfirmed, passwordField: "admin.password", ct);
        var adminRole = await db.Set<Role>().SingleAsync(r => r.Name == SystemRoles.HospitalAdmin, ct);
        db.Add(new UserRole { UserId = user.Id, RoleId = adminRole.Id });
        await db.SaveChangesAsync(ct);
        return user;
    }
}
