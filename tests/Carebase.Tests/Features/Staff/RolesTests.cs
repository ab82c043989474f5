using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Microsoft.EntityFrameworkCore;
using static Carebase.Tests.Features.Staff.StaffApi;

namespace Carebase.Tests.Features.Staff;

public sealed class RolesTests
{
    [Fact]
    public async Task List_has_every_system_role_with_its_permissions_and_user_count()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync("NURSE");
        await tenant.CreateUserAsync("NURSE");

        var list = await (await admin.GetAsync("/api/v1/roles")).JsonAsync();

        var items = list["items"]!.AsArray();
        Assert.Equal(SystemRoles.All.Count, list["total"]!.GetValue<int>());
        foreach (var system in SystemRoles.All)
        {
            var role = items.Single(r => r!["name"]!.GetValue<string>() == system.Name)!;
            Assert.True(role["isSystem"]!.GetValue<bool>());
            Assert.Equal(system.Permissions.Order(StringComparer.Ordinal), Names(role["permissions"]));
        }
        Assert.Equal(2, items.Single(r => r!["name"]!.GetValue<string>() == "NURSE")!["userCount"]!.GetValue<int>());
        Assert.Equal(1, items.Single(r => r!["name"]!.GetValue<string>() == "HOSPITAL_ADMIN")!["userCount"]!.GetValue<int>());

        var nurseId = await RoleIdAsync(admin, "NURSE");
        var one = await (await admin.GetAsync($"/api/v1/roles/{nurseId}")).JsonAsync();
        Assert.Equal(2, one["userCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Admin_creates_renames_and_deletes_a_custom_role()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var response = await admin.PostAsJsonAsync("/api/v1/roles",
            new { name = "Ward Clerk", description = "Front desk of the wards", permissions = new[] { "patients:read", "queue:read", "patients:read" } });
        var role = await response.JsonAsync(HttpStatusCode.Created);
        var id = role["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/v1/roles/{id}", response.Headers.Location?.OriginalString);
        Assert.False(role["isSystem"]!.GetValue<bool>());
        Assert.Equal(["patients:read", "queue:read"], Names(role["permissions"]));
        Assert.Equal(0, role["userCount"]!.GetValue<int>());
        Assert.Equal(role.ToJsonString(), (await (await admin.GetAsync($"/api/v1/roles/{id}")).JsonAsync()).ToJsonString());

        var renamed = await (await admin.PatchAsJsonAsync($"/api/v1/roles/{id}", new { name = "Ward Secretary", permissions = new[] { "patients:read" } })).JsonAsync();
        Assert.Equal("Ward Secretary", renamed["name"]!.GetValue<string>());
        Assert.Equal("Front desk of the wards", renamed["description"]!.GetValue<string>());
        Assert.Equal(["patients:read"], Names(renamed["permissions"]));

        await (await admin.DeleteAsync($"/api/v1/roles/{id}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await admin.GetAsync($"/api/v1/roles/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        var actions = await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking().Where(a => a.ResourceId == id.ToString())
            .OrderBy(a => a.Seq).Select(a => a.Action).ToListAsync(), tenant);
        Assert.Equal(["ROLE_CREATED", "ROLE_UPDATED", "ROLE_DELETED"], actions);
    }

    [Fact]
    public async Task Unknown_or_platform_permission_codes_are_422_naming_them()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var problem = await (await admin.PostAsJsonAsync("/api/v1/roles",
            new { name = "Odd", permissions = new[] { "patients:read", "patients:fly", Permissions.PlatformTenants } })).ShouldBeProblemAsync((HttpStatusCode)422);

        var message = Assert.Single(problem["errors"]!["permissions"]!.AsArray())!.GetValue<string>();
        Assert.Contains("patients:fly", message);
        Assert.Contains(Permissions.PlatformTenants, message);
        Assert.DoesNotContain("patients:read", message);

        var missing = await (await admin.PostAsJsonAsync("/api/v1/roles", new { description = new string('x', 501) })).ShouldBeProblemAsync((HttpStatusCode)422);
        Assert.Equal(["description", "name", "permissions"], ErrorFields(missing).Order());
    }

    [Theory]
    [InlineData("DOCTOR")]
    [InlineData("doctor")]
    [InlineData("Night Shift")]
    [InlineData("NIGHT shift")]
    public async Task A_name_taken_by_a_system_or_existing_role_is_409(string name)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Night Shift", permissions = new[] { "queue:read" } })).EnsureStatusAsync(HttpStatusCode.Created);

        await (await admin.PostAsJsonAsync("/api/v1/roles", new { name, permissions = Array.Empty<string>() }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "role_name_taken");
    }

    [Fact]
    public async Task System_roles_cannot_be_changed_or_deleted()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var doctor = await RoleIdAsync(admin, "DOCTOR");

        await (await admin.PatchAsJsonAsync($"/api/v1/roles/{doctor}", new { permissions = new[] { "users:read" } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "system_role");
        await (await admin.DeleteAsync($"/api/v1/roles/{doctor}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "system_role");
        var after = await (await admin.GetAsync($"/api/v1/roles/{doctor}")).JsonAsync();
        Assert.Equal(PermissionsOf("DOCTOR").Order(StringComparer.Ordinal), Names(after["permissions"]));
    }

    [Fact]
    public async Task A_role_still_assigned_cannot_be_deleted_and_the_answer_says_to_how_many()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = (await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Porter", permissions = new[] { "queue:read" } }))
            .JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await tenant.CreateUserAsync("Porter");
        await tenant.CreateUserAsync("Porter");

        var problem = await (await admin.DeleteAsync($"/api/v1/roles/{id}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "role_in_use");

        Assert.Contains("2 accounts", problem["detail"]!.GetValue<string>());
        Assert.Equal(2, problem["userCount"]!.GetValue<int>());
        await (await admin.GetAsync($"/api/v1/roles/{id}")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deleting_a_role_while_it_is_being_assigned_never_loses_an_assignment()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = (await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Runner", permissions = new[] { "queue:read" } }))
            .JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var users = new List<Guid>();
        for (var i = 0; i < 6; i++) users.Add((await tenant.CreateUserAsync("NURSE")).id);

        var assignments = users.Select(u => admin.PatchAsJsonAsync($"/api/v1/users/{u}", new { roleIds = new[] { id } })).ToList();
        var delete = admin.DeleteAsync($"/api/v1/roles/{id}");
        var assigned = await Task.WhenAll(assignments);
        var deleted = await delete;

        Assert.All(assigned, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, (HttpStatusCode)422 }));
        var succeeded = assigned.Count(r => r.StatusCode == HttpStatusCode.OK);
        var holders = await app.WithDbAsync(db => db.Set<Carebase.Api.Platform.Auth.UserRole>().CountAsync(ur => ur.RoleId == id), tenant);
        if (deleted.StatusCode == HttpStatusCode.NoContent)
            Assert.Equal(0, succeeded); // every assignment that answered 200 would have been silently cascaded away
        else
            await deleted.ShouldBeProblemAsync(HttpStatusCode.Conflict, "role_in_use");
        Assert.Equal(succeeded, holders);
    }

    [Fact]
    public async Task A_permission_change_takes_effect_on_the_holders_next_request()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = (await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Auditor", permissions = new[] { "users:read", "roles:read" } }))
            .JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var (_, email) = await tenant.CreateUserAsync("Auditor");
        using var auditor = await app.SignInAsync(email);
        await (await auditor.GetAsync("/api/v1/users")).EnsureStatusAsync(HttpStatusCode.OK); // permissions cached now

        await (await admin.PatchAsJsonAsync($"/api/v1/roles/{id}", new { permissions = new[] { "roles:read" } })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await auditor.GetAsync("/api/v1/users")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await auditor.GetAsync("/api/v1/roles")).EnsureStatusAsync(HttpStatusCode.OK);

        await (await admin.PatchAsJsonAsync($"/api/v1/roles/{id}", new { permissions = new[] { "roles:read", "users:read" } })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await auditor.GetAsync("/api/v1/users")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Update_with_a_stale_If_Match_is_412()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = (await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Scribe", permissions = new[] { "visits:read" } }))
            .JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var etag = (await admin.GetAsync($"/api/v1/roles/{id}")).Headers.ETag!;
        var changed = await admin.PatchAsJsonAsync($"/api/v1/roles/{id}", new { description = "Writes things down" });
        await changed.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.NotEqual(etag, changed.Headers.ETag);

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/roles/{id}") { Content = JsonContent.Create(new { name = "Lost Update" }) };
        stale.Headers.IfMatch.Add(etag);
        await (await admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");

        using var fresh = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/roles/{id}") { Content = JsonContent.Create(new { name = "Scribe II" }) };
        fresh.Headers.IfMatch.Add(changed.Headers.ETag!);
        Assert.Equal("Scribe II", (await (await admin.SendAsync(fresh)).JsonAsync())["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_tenants_role_is_404_on_every_route()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();
        var foreign = (await (await otherAdmin.PostAsJsonAsync("/api/v1/roles", new { name = "Theirs", permissions = new[] { "queue:read" } }))
            .JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        await (await admin.GetAsync($"/api/v1/roles/{foreign}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.PatchAsJsonAsync($"/api/v1/roles/{foreign}", new { name = "Mine" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.DeleteAsync($"/api/v1/roles/{foreign}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("Theirs", (await (await otherAdmin.GetAsync($"/api/v1/roles/{foreign}")).JsonAsync())["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Roles_writers_cannot_grant_permissions_they_lack()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Role Keeper", permissions = new[] { "roles:read", "roles:write" } }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        var (_, email) = await tenant.CreateUserAsync("Role Keeper");
        using var keeper = await app.SignInAsync(email);

        await (await keeper.PostAsJsonAsync("/api/v1/roles", new { name = "Everything", permissions = new[] { "users:write" } }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "permission_escalation");
        await (await keeper.PostAsJsonAsync("/api/v1/roles", new { name = "Reader", permissions = new[] { "roles:read" } }))
            .EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_permission_catalog_is_grouped_by_area_without_platform_codes()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var body = await (await admin.GetAsync("/api/v1/permissions")).Content.ReadAsStringAsync();
        var areas = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsArray();

        var codes = areas.SelectMany(a => a!["permissions"]!.AsArray().Select(p => p!["code"]!.GetValue<string>())).ToArray();
        Assert.Equal(Permissions.All.Where(p => Permissions.AssignableToTenantRole(p.Code)).Select(p => p.Code), codes);
        Assert.DoesNotContain(areas, a => a!["area"]!.GetValue<string>() == "platform");
        var staff = areas.Single(a => a!["area"]!.GetValue<string>() == "staff")!;
        Assert.Contains(staff["permissions"]!.AsArray(), p => p!["code"]!.GetValue<string>() == "users:write"
            && p["description"]!.GetValue<string>().Length > 0);
    }
}
