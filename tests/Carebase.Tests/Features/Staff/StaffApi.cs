using System.Text.Json.Nodes;
using Carebase.Api.Features.Departments;
using Carebase.Api.Features.Tenants;
using Carebase.Api.Platform.Auth;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Staff;

/// <summary>Small steps the staff tests share, all through the HTTP API except where noted.</summary>
static class StaffApi
{
    public const string TemporaryPassword = "Temporary-Orchid-Lantern-42";

    public static string NewEmail(TestTenant tenant, string prefix = "staff") => $"{prefix}-{Guid.NewGuid():N}"[..24] + $"@{tenant.Slug}.test";

    /// <summary>The id of the tenant's role named <paramref name="name"/> (from GET /roles).</summary>
    public static async Task<Guid> RoleIdAsync(HttpClient admin, string name)
    {
        var roles = await (await admin.GetAsync("/api/v1/roles?pageSize=200")).JsonAsync();
        var role = roles["items"]!.AsArray().SingleOrDefault(r => r!["name"]!.GetValue<string>() == name)
            ?? throw new InvalidOperationException($"No role {name}");
        return role["id"]!.GetValue<Guid>();
    }

    /// <summary>POST /users and return the response (the status is left to the caller).</summary>
    public static Task<HttpResponseMessage> PostUserAsync(HttpClient admin, string email, Guid[] roleIds, string? temporaryPassword = TemporaryPassword,
        Guid[]? departmentIds = null, string firstName = "Sam", string lastName = "Staff", string? phone = null) =>
        admin.PostAsJsonAsync("/api/v1/users", new { email, firstName, lastName, phone, roleIds, departmentIds = departmentIds ?? [], temporaryPassword });

    /// <summary>Creates a staff account through the API and returns it (201 asserted).</summary>
    public static async Task<JsonObject> CreateUserAsync(HttpClient admin, TestTenant tenant, string role, string? temporaryPassword = TemporaryPassword,
        string firstName = "Sam", string lastName = "Staff")
    {
        var response = await PostUserAsync(admin, NewEmail(tenant), [await RoleIdAsync(admin, role)], temporaryPassword, firstName: firstName, lastName: lastName);
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    /// <summary>Signs in with the temporary password and changes it, as a new staff member would; returns a client with the new token.</summary>
    public static async Task<HttpClient> FirstSignInAsync(CarebaseApp app, string email, string temporaryPassword = TemporaryPassword)
    {
        var first = await app.LoginAsync(email, temporaryPassword);
        using var client = app.WithToken(first.AccessToken);
        var changed = await (await client.PostAsJsonAsync("/api/v1/auth/change-password",
            new { currentPassword = temporaryPassword, newPassword = CarebaseApp.Password })).JsonAsync();
        return app.WithToken(changed["accessToken"]!.GetValue<string>());
    }

    /// <summary>Adds a department directly in the tenant's schema (the departments API is another feature).</summary>
    public static Task<Guid> AddDepartmentAsync(CarebaseApp app, TestTenant tenant, string name) =>
        app.WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            var department = new Department { Name = name, CreatedAt = now, UpdatedAt = now };
            db.Add(department);
            await db.SaveChangesAsync();
            return department.Id;
        }, tenant);

    /// <summary>Sets the tenant's user limit directly in the database.</summary>
    public static Task SetMaxUsersAsync(CarebaseApp app, TestTenant tenant, int? maxUsers) =>
        app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.Id == tenant.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.MaxUsers, maxUsers)));

    /// <summary>Active staff accounts of the tenant, counted in the database.</summary>
    public static Task<int> ActiveStaffAsync(CarebaseApp app, TestTenant tenant) =>
        app.WithDbAsync(db => db.Users.CountAsync(u => u.TenantId == tenant.Id && u.IsActive && u.PatientId == null));

    public static IEnumerable<string> Names(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>());

    public static IEnumerable<string> RoleNames(JsonObject user) => user["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>());

    public static HashSet<string> ErrorFields(JsonObject problem) => problem["errors"]!.AsObject().Select(kv => kv.Key).ToHashSet();

    public static IReadOnlyList<string> PermissionsOf(string systemRole) => SystemRoles.All.Single(r => r.Name == systemRole).Permissions;
}
