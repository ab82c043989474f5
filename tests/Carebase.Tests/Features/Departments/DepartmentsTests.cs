using System.Net.Http.Headers;
using Carebase.Api.Platform.Audit;
using Microsoft.EntityFrameworkCore;
using static Carebase.Tests.Features.Departments.DepartmentsApi;
using static Carebase.Tests.Features.Doctors.DoctorsApi;

namespace Carebase.Tests.Features.Departments;

public sealed class DepartmentsTests
{
    [Fact]
    public async Task Admin_creates_and_reads_a_department_and_the_creation_is_audited()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var response = await PostDepartmentAsync(admin, "  Cardiology ", code: "CAR", isPatientFacing: true, description: "Heart and vessels");
        var created = await response.JsonAsync(HttpStatusCode.Created);

        var id = created["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/v1/departments/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Cardiology", created["name"]!.GetValue<string>());
        Assert.Equal("CAR", created["code"]!.GetValue<string>());
        Assert.Equal("Heart and vessels", created["description"]!.GetValue<string>());
        Assert.True(created["isPatientFacing"]!.GetValue<bool>());
        Assert.Equal(1, created["version"]!.GetValue<int>());

        var get = await admin.GetAsync($"/api/v1/departments/{id}");
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        Assert.Equal(created.ToJsonString(), (await get.JsonAsync()).ToJsonString());

        var entry = Assert.Single(await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.Action == "DEPARTMENT_CREATED" && a.ResourceId == id.ToString()).ToListAsync(), tenant));
        Assert.Equal(tenant.AdminId, entry.UserId);
        Assert.Contains("Cardiology", entry.Changes);
    }

    [Fact]
    public async Task List_searches_name_and_code_filters_by_patient_facing_sorts_by_name_and_pages()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await PostDepartmentAsync(admin, "Pediatrics", "PED")).EnsureStatusAsync(HttpStatusCode.Created);
        await (await PostDepartmentAsync(admin, "cardiology", "CAR")).EnsureStatusAsync(HttpStatusCode.Created);
        await (await PostDepartmentAsync(admin, "Laboratory", "LAB", isPatientFacing: false)).EnsureStatusAsync(HttpStatusCode.Created);
        await (await PostDepartmentAsync(admin, "Pharmacy_Store", "PHA", isPatientFacing: false)).EnsureStatusAsync(HttpStatusCode.Created);

        async Task<string[]> List(string query) => Names(await (await admin.GetAsync("/api/v1/departments?" + query)).JsonAsync());

        Assert.Equal(["cardiology", "Laboratory", "Pediatrics", "Pharmacy_Store"], await List(""));
        Assert.Equal(["Pediatrics"], await List("q=DIATR"));
        Assert.Equal(["Laboratory"], await List("q=lab"));
        Assert.Equal(["Pharmacy_Store"], await List("q=_")); // a literal underscore, not a wildcard
        Assert.Equal(["cardiology", "Pediatrics"], await List("isPatientFacing=true"));
        Assert.Equal(["Laboratory", "Pharmacy_Store"], await List("isPatientFacing=false"));

        var page2 = await (await admin.GetAsync("/api/v1/departments?page=2&pageSize=3")).JsonAsync();
        Assert.Equal(4, page2["total"]!.GetValue<int>());
        Assert.Equal(2, page2["page"]!.GetValue<int>());
        Assert.Equal(3, page2["pageSize"]!.GetValue<int>());
        Assert.Equal(["Pharmacy_Store"], Names(page2));
        await (await admin.GetAsync("/api/v1/departments?pageSize=201")).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
    }

    [Fact]
    public async Task Create_with_bad_fields_is_422_naming_each_field()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var problem = await (await admin.PostAsJsonAsync("/api/v1/departments", new { name = " ", code = "has space", description = new string('x', 1001) }))
            .ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");

        Assert.Equal(["code", "description", "isPatientFacing", "name"], ErrorFields(problem).Order());
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Carebase.Api.Features.Departments.Department>().CountAsync(), tenant));
    }

    [Fact]
    public async Task A_name_or_code_already_taken_in_any_case_is_409()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await PostDepartmentAsync(admin, "Orthopedics", "ORT")).EnsureStatusAsync(HttpStatusCode.Created);
        var other = await CreateDepartmentAsync(admin, "Dermatology");

        await (await PostDepartmentAsync(admin, "ORTHOPEDICS")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "department_name_taken");
        await (await PostDepartmentAsync(admin, "Bones", "ort")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "department_code_taken");
        await (await admin.PatchAsJsonAsync($"/api/v1/departments/{other}", new { name = "orthopedics" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "department_name_taken");
        // Another hospital may use the same name.
        var elsewhere = await app.NewTenantAsync();
        using var elsewhereAdmin = await elsewhere.AdminAsync();
        await (await PostDepartmentAsync(elsewhereAdmin, "Orthopedics", "ORT")).EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Parallel_creates_of_one_name_make_exactly_one_department()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PostDepartmentAsync(admin, i % 2 == 0 ? "Neurology" : "NEUROLOGY")));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "department_name_taken");
    }

    [Fact]
    public async Task Update_changes_the_given_fields_clears_with_null_bumps_the_version_and_is_audited()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = (await (await PostDepartmentAsync(admin, "Skin", "SKN", description: "Old text")).JsonAsync(HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        var response = await admin.PatchAsJsonAsync($"/api/v1/departments/{id}", new { name = "Dermatology", description = (string?)null, isPatientFacing = false });
        var updated = await response.JsonAsync();

        Assert.Equal("Dermatology", updated["name"]!.GetValue<string>());
        Assert.Equal("SKN", updated["code"]!.GetValue<string>()); // left out: unchanged
        Assert.Null(updated["description"]);
        Assert.False(updated["isPatientFacing"]!.GetValue<bool>());
        Assert.Equal(2, updated["version"]!.GetValue<int>());
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);

        var entry = Assert.Single(await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.Action == "DEPARTMENT_UPDATED" && a.ResourceId == id.ToString()).ToListAsync(), tenant));
        Assert.Contains("Skin", entry.Changes);
        Assert.Contains("Dermatology", entry.Changes);

        // Nothing to change: same version, no second entry.
        var same = await (await admin.PatchAsJsonAsync($"/api/v1/departments/{id}", new { name = "Dermatology" })).JsonAsync();
        Assert.Equal(2, same["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Update_with_a_stale_If_Match_is_412_and_the_current_ETag_works()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = await CreateDepartmentAsync(admin);
        var etag = (await admin.GetAsync($"/api/v1/departments/{id}")).Headers.ETag!;
        var changed = await admin.PatchAsJsonAsync($"/api/v1/departments/{id}", new { description = "first writer" });
        await changed.EnsureStatusAsync(HttpStatusCode.OK);

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/departments/{id}") { Content = JsonContent.Create(new { description = "lost update" }) };
        stale.Headers.IfMatch.Add(etag);
        await (await admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");
        using var staleDelete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/departments/{id}");
        staleDelete.Headers.IfMatch.Add(etag);
        await (await admin.SendAsync(staleDelete)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");

        using var fresh = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/departments/{id}") { Content = JsonContent.Create(new { description = "second writer" }) };
        fresh.Headers.IfMatch.Add(new EntityTagHeaderValue(changed.Headers.ETag!.Tag));
        Assert.Equal("second writer", (await (await admin.SendAsync(fresh)).JsonAsync())["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_an_unused_department_is_204_audited_and_it_is_gone()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = await CreateDepartmentAsync(admin, "Temporary Ward");

        await (await admin.DeleteAsync($"/api/v1/departments/{id}")).EnsureStatusAsync(HttpStatusCode.NoContent);

        await (await admin.GetAsync($"/api/v1/departments/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.DeleteAsync($"/api/v1/departments/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<AuditEntry>().CountAsync(a => a.Action == "DEPARTMENT_DELETED" && a.ResourceId == id.ToString()), tenant));
    }

    [Fact]
    public async Task Deleting_a_department_in_use_is_409_naming_how_many_staff_doctors_and_patients_use_it()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var id = await CreateDepartmentAsync(admin, "General Medicine");
        var nurseRole = await Staff.StaffApi.RoleIdAsync(admin, "NURSE");
        foreach (var _ in Enumerable.Range(0, 2))
            await (await Staff.StaffApi.PostUserAsync(admin, Staff.StaffApi.NewEmail(tenant), [nurseRole], departmentIds: [id]))
                .EnsureStatusAsync(HttpStatusCode.Created);
        await CreateDoctorAsync(admin, tenant, departmentId: id);
        await AddPatientAsync(app, tenant, id);
        await AddPatientAsync(app, tenant, id);
        await AddPatientAsync(app, tenant, id, deleted: true);

        var problem = await (await admin.DeleteAsync($"/api/v1/departments/{id}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "department_in_use");

        Assert.Equal(2, problem["usedBy"]!["staff"]!.GetValue<int>());
        Assert.Equal(1, problem["usedBy"]!["doctors"]!.GetValue<int>());
        Assert.Equal(3, problem["usedBy"]!["patients"]!.GetValue<int>());
        Assert.Contains("2 staff members, 1 doctor, 3 patients", problem["detail"]!.GetValue<string>());
        await (await admin.GetAsync($"/api/v1/departments/{id}")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_tenants_department_is_404_on_every_route()
    {
        var app = await CarebaseApp.Shared();
        var other = await app.NewTenantAsync();
        using var otherAdmin = await other.AdminAsync();
        var foreign = await CreateDepartmentAsync(otherAdmin, "Theirs");
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        await (await admin.GetAsync($"/api/v1/departments/{foreign}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.PatchAsJsonAsync($"/api/v1/departments/{foreign}", new { name = "Mine now" })).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.DeleteAsync($"/api/v1/departments/{foreign}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain("Theirs", Names(await (await admin.GetAsync("/api/v1/departments")).JsonAsync()));

        var theirs = await (await otherAdmin.GetAsync($"/api/v1/departments/{foreign}")).JsonAsync();
        Assert.Equal("Theirs", theirs["name"]!.GetValue<string>());
        Assert.Equal(1, theirs["version"]!.GetValue<int>());
    }
}
