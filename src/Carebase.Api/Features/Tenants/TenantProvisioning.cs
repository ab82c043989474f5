using Carebase.Api.Features.Staff;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Data;
using Carebase.Api.Platform.Errors;
using Microsoft.AspNetCore.Identity;
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
public sealed class TenantProvisioning(CarebaseDb db, UserManager<User> users, PasswordPolicy passwords, TimeProvider time)
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

        var user = await CreateUserAsync(tenant.Id, admin.FirstName, admin.LastName, admin.Email, admin.Password,
            mustChangePassword: false, emailConfirmed: admin.EmailConfirmed, passwordField: "admin.password", ct);
        var adminRole = await db.Set<Role>().SingleAsync(r => r.Name == SystemRoles.HospitalAdmin, ct);
        db.Add(new UserRole { UserId = user.Id, RoleId = adminRole.Id });
        await db.SaveChangesAsync(ct);
        return user;
    }

    /// <summary>Creates an account (Identity validation and the password policy apply; errors are 422 on the given field).</summary>
    public async Task<User> CreateUserAsync(Guid? tenantId, string firstName, string lastName, string email, string password,
        bool mustChangePassword, bool emailConfirmed, string passwordField, CancellationToken ct, bool superAdmin = false)
    {
        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(), TenantId = tenantId, FirstName = firstName.Trim(), LastName = lastName.Trim(),
            Email = email.Trim(), UserName = email.Trim(), EmailConfirmed = emailConfirmed, MustChangePassword = mustChangePassword,
            CreatedAt = now, UpdatedAt = now, PasswordChangedAt = now, LockoutEnabled = true, IsSuperAdmin = superAdmin,
        };
        var result = await users.CreateAsync(user, password);
        ThrowIfFailed(result, passwordField, "email");
        passwords.Remember(user);
        return user;
    }

    /// <summary>Identity errors as 422 field errors (duplicate email as 409).</summary>
    public static void ThrowIfFailed(IdentityResult result, string passwordField, string emailField = "email")
    {
        if (result.Succeeded) return;
        if (result.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName"))
            throw new ConflictException("email_taken", "An account with this email already exists.");
        var errors = new FieldErrors();
        foreach (var e in result.Errors)
            errors.Add(e.Code.StartsWith("Password", StringComparison.Ordinal) ? passwordField
                : e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal) ? emailField
                : e.Code == "InvalidToken" ? "token" : "request", e.Description);
        errors.ThrowIfAny();
    }
}
