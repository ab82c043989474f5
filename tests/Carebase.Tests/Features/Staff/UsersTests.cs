using System.Net.Http.Headers;
using Carebase.Api.Platform.Audit;
using Microsoft.EntityFrameworkCore;
using static Carebase.Tests.Features.Staff.StaffApi;

namespace Carebase.Tests.Features.Staff;

public sealed class UsersTests
{
    [Fact]
    public async Task Admin_creates_staff_with_roles_and_departments_and_the_change_is_audited()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var cardiology = await AddDepartmentAsync(app, tenant, "Cardiology");
        var (doctor, nurse) = (await RoleIdAsync(admin, "DOCTOR"), await RoleIdAsync(admin, "NURSE"));
        var email = NewEmail(tenant);

        var response = await PostUserAsync(admin, email, [doctor, nurse], departmentIds: [cardiology], firstName: "Grace", lastName: "Okafor", phone: "+1 555-0100");
        var user = await response.JsonAsync(HttpStatusCode.Created);

        var id = user["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/v1/users/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(email, user["email"]!.GetValue<string>());
        Assert.Equal("Grace", user["firstName"]!.GetValue<string>());
        Assert.Equal("Okafor", user["lastName"]!.GetValue<string>());
        Assert.Equal("+1 555-0100", user["phone"]!.GetValue<string>());
        Assert.True(user["isActive"]!.GetValue<bool>());
        Assert.True(user["mustChangePassword"]!.GetValue<bool>());
        Assert.Equal(["DOCTOR", "NURSE"], RoleNames(user).Order());
        Assert.Equal([cardiology], user["departmentIds"]!.AsArray().Select(d => d!.GetValue<Guid>()));
        Assert.NotNull(user["createdAt"]);
        Assert.Null(user["lastLoginAt"]);
        Assert.Null(user["temporaryPassword"]);
        Assert.DoesNotContain(TemporaryPassword, user.ToJsonString());
        Assert.DoesNotContain("hash", user.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        var fetched = await (await admin.GetAsync($"/api/v1/users/{id}")).JsonAsync();
        Assert.Equal(user.ToJsonString(), fetched.ToJsonString());

        var audit = await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.Action == "USER_CREATED" && a.ResourceId == id.ToString()).ToListAsync(), tenant);
        var entry = Assert.Single(audit);
        Assert.Equal(tenant.AdminId, entry.UserId);
        Assert.DoesNotContain(TemporaryPassword, entry.Changes);
    }

    [Fact]
    public async Task Without_a_temporary_password_the_new_account_gets_a_welcome_link_that_sets_its_password()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var email = NewEmail(tenant);

        await (await PostUserAsync(admin, email, [await RoleIdAsync(admin, "NURSE")], temporaryPassword: null)).JsonAsync(HttpStatusCode.Created);
        var welcome = await app.Mail.WaitForAsync(email, "welcome");

        using var anonymous = app.Anonymous();
        var reset = await anonymous.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = welcome.Token, newPassword = CarebaseApp.Password });
        await reset.EnsureStatusAsync(HttpStatusCode.NoContent);
        var tokens = await app.LoginAsync(email);
        Assert.False(tokens.MustChangePassword);
    }

    [Fact]
    public async Task List_searches_filters_pages_and_sorts_by_last_name()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var ward = await AddDepartmentAsync(app, tenant, "Ward A");
        var doctorRole = await RoleIdAsync(admin, "DOCTOR");
        var zed = await (await PostUserAsync(admin, NewEmail(tenant, "zed"), [doctorRole], firstName: "Zed", lastName: "Zimmer")).JsonAsync(HttpStatusCode.Created);
        var amy = await (await PostUserAsync(admin, NewEmail(tenant, "amy"), [doctorRole], departmentIds: [ward], firstName: "Amy", lastName: "Abbott")).JsonAsync(HttpStatusCode.Created);
        var nurse = await CreateUserAsync(admin, tenant, "NURSE", firstName: "Nia", lastName: "Mbeki");
        await (await admin.PostAsync($"/api/v1/users/{nurse["id"]}/deactivate", null)).EnsureStatusAsync(HttpStatusCode.OK);

        var all = await (await admin.GetAsync("/api/v1/users")).JsonAsync();
        Assert.Equal(4, all["total"]!.GetValue<int>()); // the admin and three
        Assert.Equal(1, all["page"]!.GetValue<int>());
        Assert.Equal(50, all["pageSize"]!.GetValue<int>());
        Assert.Equal(["Abbott", "Admin", "Mbeki", "Zimmer"], all["items"]!.AsArray().Select(u => u!["lastName"]!.GetValue<string>()));

        async Task<string[]> LastNames(string query) =>
            (await (await admin.GetAsync("/api/v1/users?" + query)).JsonAsync())["items"]!.AsArray().Select(u => u!["lastName"]!.GetValue<string>()).ToArray();

        Assert.Equal(["Zimmer"], await LastNames("q=zIMm"));
        Assert.Equal(["Abbott"], await LastNames("q=" + Uri.EscapeDataString(amy["email"]!.GetValue<string>().ToUpperInvariant())));
        Assert.Equal(["Abbott"], await LastNames("q=amy%20abb"));
        Assert.Empty(await LastNames("q=%25")); // a literal %, not a wildcard
        Assert.Equal(["Abbott", "Zimmer"], await LastNames("role=doctor"));
        Assert.Equal(["Abbott", "Zimmer"], await LastNames($"role={doctorRole}"));
        Assert.Equal(["Abbott"], await LastNames($"departmentId={ward}"));
        Assert.Equal(["Mbeki"], await LastNames("isActive=false"));
        Assert.Equal(["Abbott", "Admin", "Zimmer"], await LastNames("isActive=true"));

        var page2 = await (await admin.GetAsync("/api/v1/users?page=2&pageSize=3")).JsonAsync();
        Assert.Equal(4, page2["total"]!.GetValue<int>());
        Assert.Equal(["Zimmer"], page2["items"]!.AsArray().Select(u => u!["lastName"]!.GetValue<string>()));
        Assert.Equal(zed["id"]!.GetValue<Guid>(), page2["items"]![0]!["id"]!.GetValue<Guid>());
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    public async Task List_paging_out_of_range_is_422(string query, string field)
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var problem = await (await admin.GetAsync("/api/v1/users?" + query)).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.Contains(field, ErrorFields(problem));
    }

    [Fact]
    public async Task Create_with_bad_fields_is_422_naming_each_field()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { email = "not-an-email", firstName = " ", phone = "call me", roleIds = Array.Empty<Guid>() });

        var problem = await response.ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.Superset(new HashSet<string> { "email", "firstName", "lastName", "phone", "roleIds" }, ErrorFields(problem));
    }

    [Fact]
    public async Task Role_and_department_ids_must_exist_in_the_tenant_and_PATIENT_cannot_be_given()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();
        var nurse = await RoleIdAsync(admin, "NURSE");
        var otherTenantsRole = await RoleIdAsync(otherAdmin, "NURSE");
        var otherTenantsDepartment = await AddDepartmentAsync(app, other, "Elsewhere");

        var unknownRole = await (await PostUserAsync(admin, NewEmail(tenant), [Guid.NewGuid()])).ShouldBeProblemAsync((HttpStatusCode)422);
        var foreignRole = await (await PostUserAsync(admin, NewEmail(tenant), [otherTenantsRole])).ShouldBeProblemAsync((HttpStatusCode)422);
        var foreignDepartment = await (await PostUserAsync(admin, NewEmail(tenant), [nurse], departmentIds: [otherTenantsDepartment])).ShouldBeProblemAsync((HttpStatusCode)422);
        var patient = await (await PostUserAsync(admin, NewEmail(tenant), [nurse, await RoleIdAsync(admin, "PATIENT")])).ShouldBeProblemAsync((HttpStatusCode)422);
        var weakPassword = await (await PostUserAsync(admin, NewEmail(tenant), [nurse], temporaryPassword: "password1234")).ShouldBeProblemAsync((HttpStatusCode)422);

        Assert.Equal(["roleIds"], ErrorFields(unknownRole));
        Assert.Equal(["roleIds"], ErrorFields(foreignRole));
        Assert.Equal(["departmentIds"], ErrorFields(foreignDepartment));
        Assert.Equal(["roleIds"], ErrorFields(patient));
        Assert.Equal(["temporaryPassword"], ErrorFields(weakPassword));
        Assert.Equal(1, await ActiveStaffAsync(app, tenant)); // nothing half-created
    }

    [Fact]
    public async Task Duplicate_email_is_409_even_in_another_case()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var nurse = await RoleIdAsync(admin, "NURSE");
        var email = NewEmail(tenant);
        await (await PostUserAsync(admin, email, [nurse])).EnsureStatusAsync(HttpStatusCode.Created);

        await (await PostUserAsync(admin, email.ToUpperInvariant(), [nurse])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "email_taken");
        await (await PostUserAsync(admin, tenant.AdminEmail, [nurse])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "email_taken");
    }

    [Fact]
    public async Task Update_changes_fields_and_replaces_roles_and_departments()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (a, b) = (await AddDepartmentAsync(app, tenant, "A"), await AddDepartmentAsync(app, tenant, "B"));
        var user = await (await PostUserAsync(admin, NewEmail(tenant), [await RoleIdAsync(admin, "NURSE")], departmentIds: [a], phone: "555 0101"))
            .JsonAsync(HttpStatusCode.Created);
        var id = user["id"]!.GetValue<Guid>();

        var updated = await (await admin.PatchAsJsonAsync($"/api/v1/users/{id}", new
        {
            firstName = "Renamed", phone = "", roleIds = new[] { await RoleIdAsync(admin, "DOCTOR"), await RoleIdAsync(admin, "PHARMACIST") },
            departmentIds = new[] { b },
        })).JsonAsync();

        Assert.Equal("Renamed", updated["firstName"]!.GetValue<string>());
        Assert.Equal("Staff", updated["lastName"]!.GetValue<string>()); // left out: unchanged
        Assert.Null(updated["phone"]);
        Assert.Equal(["DOCTOR", "PHARMACIST"], RoleNames(updated));
        Assert.Equal([b], updated["departmentIds"]!.AsArray().Select(d => d!.GetValue<Guid>()));
        var audit = await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .SingleAsync(e => e.Action == "USER_UPDATED" && e.ResourceId == id.ToString()), tenant);
        Assert.Contains("PHARMACIST", audit.Changes);
        Assert.Contains("Renamed", audit.Changes);

        var invalid = await (await admin.PatchAsJsonAsync($"/api/v1/users/{id}", new { lastName = "", roleIds = Array.Empty<Guid>() }))
            .ShouldBeProblemAsync((HttpStatusCode)422);
        Assert.Equal(["lastName", "roleIds"], ErrorFields(invalid).Order());
    }

    [Fact]
    public async Task Update_with_a_stale_If_Match_is_412_and_the_current_ETag_works()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = (await CreateUserAsync(admin, tenant, "NURSE"))["id"]!.GetValue<Guid>();
        var etag = (await admin.GetAsync($"/api/v1/users/{id}")).Headers.ETag!;
        await (await admin.PatchAsJsonAsync($"/api/v1/users/{id}", new { firstName = "First" })).EnsureStatusAsync(HttpStatusCode.OK);

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/users/{id}") { Content = JsonContent.Create(new { firstName = "Second" }) };
        stale.Headers.IfMatch.Add(etag);
        await (await admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");

        var current = (await admin.GetAsync($"/api/v1/users/{id}")).Headers.ETag!;
        using var fresh = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/users/{id}") { Content = JsonContent.Create(new { firstName = "Second" }) };
        fresh.Headers.IfMatch.Add(new EntityTagHeaderValue(current.Tag));
        Assert.Equal("Second", (await (await admin.SendAsync(fresh)).JsonAsync())["firstName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_tenants_user_is_404_on_every_route()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (foreignId, _) = await other.CreateUserAsync("NURSE");
        var nurseRole = await RoleIdAsync(admin, "NURSE");

        await (await admin.GetAsync($"/api/v1/users/{foreignId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.PatchAsJsonAsync($"/api/v1/users/{foreignId}", new { firstName = "X", roleIds = new[] { nurseRole } }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync($"/api/v1/users/{foreignId}/deactivate", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync($"/api/v1/users/{foreignId}/activate", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"/api/v1/users/{foreignId}/reset-password", new { temporaryPassword = TemporaryPassword }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var list = await (await admin.GetAsync("/api/v1/users?pageSize=200")).JsonAsync();
        Assert.DoesNotContain(list["items"]!.AsArray(), u => u!["id"]!.GetValue<Guid>() == foreignId);

        // Nothing changed over there.
        var foreign = await app.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == foreignId));
        Assert.True(foreign.IsActive);
        Assert.Equal("Test", foreign.FirstName);
    }

    [Fact]
    public async Task Holding_users_write_does_not_let_you_grant_permissions_you_lack()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "Staff Office", permissions = new[] { "users:read", "users:write", "roles:read" } }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        var (officeId, officeEmail) = await tenant.CreateUserAsync("Staff Office");
        using var office = await app.SignInAsync(officeEmail);
        var adminRole = await RoleIdAsync(admin, "HOSPITAL_ADMIN");

        await (await PostUserAsync(office, NewEmail(tenant), [adminRole])).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "permission_escalation");
        await (await office.PatchAsJsonAsync($"/api/v1/users/{officeId}", new { roleIds = new[] { adminRole } }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "permission_escalation");
        // A role within its own permissions is fine.
        await (await PostUserAsync(office, NewEmail(tenant), [await RoleIdAsync(admin, "Staff Office")])).EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_role_change_takes_effect_on_the_users_next_request()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (id, email) = await tenant.CreateUserAsync("DOCTOR");
        using var user = await app.SignInAsync(email);
        await (await user.GetAsync("/api/v1/users")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        await (await admin.PatchAsJsonAsync($"/api/v1/users/{id}", new { roleIds = new[] { await RoleIdAsync(admin, "HOSPITAL_ADMIN") } }))
            .EnsureStatusAsync(HttpStatusCode.OK);

        await (await user.GetAsync("/api/v1/users")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_last_active_admin_cannot_lose_the_admin_role()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var doctor = await RoleIdAsync(admin, "DOCTOR");

        await (await admin.PatchAsJsonAsync($"/api/v1/users/{tenant.AdminId}", new { roleIds = new[] { doctor } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "last_admin");

        var second = await CreateUserAsync(admin, tenant, "HOSPITAL_ADMIN");
        var updated = await (await admin.PatchAsJsonAsync($"/api/v1/users/{tenant.AdminId}", new { roleIds = new[] { doctor } })).JsonAsync();
        Assert.Equal(["DOCTOR"], RoleNames(updated));
        Assert.NotNull(second);
    }
}
