using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Carebase.Api.Features.Doctors;
using Carebase.Api.Platform.Audit;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Messaging;
using Microsoft.EntityFrameworkCore;
using static Carebase.Tests.Features.Departments.DepartmentsApi;
using static Carebase.Tests.Features.Doctors.DoctorsApi;
using StaffApi = Carebase.Tests.Features.Staff.StaffApi;

namespace Carebase.Tests.Features.Doctors;

public sealed class DoctorsTests
{
    static readonly string[] PublicFields = ["bio", "consultationFee", "departmentId", "departmentName", "id", "name", "specialization", "yearsOfExperience"];

    [Fact]
    public async Task Admin_creates_a_profile_for_an_existing_DOCTOR_account_with_exact_money_and_an_audit_entry()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var cardiology = await CreateDepartmentAsync(admin, "Cardiology");
        var (userId, email) = await tenant.CreateUserAsync(SystemRoles.Doctor);

        var response = await PostDoctorAsync(admin, ProfileBody(userId, specialization: " Cardiology ", licenseNumber: "MD-778-X",
            yearsOfExperience: 12, consultationFee: 1234567890.1m, bio: "Echo and stress tests.", departmentId: cardiology));
        var doctor = await response.JsonAsync(HttpStatusCode.Created);

        var id = IdOf(doctor);
        Assert.Equal($"/api/v1/doctors/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(userId, doctor["userId"]!.GetValue<Guid>());
        Assert.Equal(email, doctor["email"]!.GetValue<string>());
        Assert.Equal("Test DOCTOR", doctor["name"]!.GetValue<string>());
        Assert.True(doctor["isActive"]!.GetValue<bool>());
        Assert.Equal("Cardiology", doctor["specialization"]!.GetValue<string>());
        Assert.Equal("MD-778-X", doctor["licenseNumber"]!.GetValue<string>());
        Assert.Equal(12, doctor["yearsOfExperience"]!.GetValue<int>());
        Assert.Equal("1234567890.10", doctor["consultationFee"]!.ToJsonString()); // exact, two decimals, no float rounding
        Assert.Equal(cardiology, doctor["departmentId"]!.GetValue<Guid>());
        Assert.Equal("Cardiology", doctor["departmentName"]!.GetValue<string>());
        Assert.Equal(tenant.AdminId, doctor["createdBy"]!.GetValue<Guid>());
        Assert.Equal(1, doctor["version"]!.GetValue<int>());

        var get = await admin.GetAsync($"/api/v1/doctors/{id}");
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        Assert.Equal(doctor.ToJsonString(), (await get.JsonAsync()).ToJsonString());
        Assert.Equal(1234567890.10m, await TestDatabase.ScalarAsync<decimal>($"SELECT consultation_fee FROM \"{tenant.Schema}\".doctors WHERE id = $1", id));

        var entry = Assert.Single(await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.Action == "DOCTOR_CREATED" && a.ResourceId == id.ToString()).ToListAsync(), tenant));
        Assert.Equal(tenant.AdminId, entry.UserId);
        Assert.Contains("MD-778-X", entry.Changes);
    }

    [Fact]
    public async Task Creating_the_profile_with_a_new_account_gives_it_the_DOCTOR_role_a_forced_password_change_and_a_welcome_link()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var email = StaffApi.NewEmail(tenant, "newdr");

        var doctor = await (await PostDoctorAsync(admin, ProfileBody(null, new { email, firstName = "Ngozi", lastName = "Adeyemi", phone = "+234 803 555 0101" },
            specialization: "Pediatrics"))).JsonAsync(HttpStatusCode.Created);

        var userId = doctor["userId"]!.GetValue<Guid>();
        Assert.Equal("Ngozi Adeyemi", doctor["name"]!.GetValue<string>());
        Assert.Equal(email, doctor["email"]!.GetValue<string>());
        Assert.Equal("+234 803 555 0101", doctor["phone"]!.GetValue<string>());
        var user = await (await admin.GetAsync($"/api/v1/users/{userId}")).JsonAsync();
        Assert.Equal(["DOCTOR"], StaffApi.RoleNames(user));
        Assert.True(user["mustChangePassword"]!.GetValue<bool>());
        var actions = await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.ResourceId == userId.ToString() || a.ResourceId == IdOf(doctor).ToString()).Select(a => a.Action).ToListAsync(), tenant);
        Assert.Equal(["DOCTOR_CREATED", "USER_CREATED"], actions.Order());

        var welcome = await app.Mail.WaitForAsync(email, "welcome");
        using var anonymous = app.Anonymous();
        await (await anonymous.PostAsJsonAsync("/api/v1/auth/reset-password", new { email, token = welcome.Token, newPassword = CarebaseApp.Password }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        using var signedIn = await app.SignInAsync(email);
        await (await signedIn.GetAsync($"/api/v1/doctors/{IdOf(doctor)}")).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Creating_the_account_with_the_profile_respects_the_user_limit()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await StaffApi.SetMaxUsersAsync(app, tenant, 1); // the admin holds the only seat
        var email = StaffApi.NewEmail(tenant, "full");

        var problem = await (await PostDoctorAsync(admin, ProfileBody(null, new { email, firstName = "No", lastName = "Seat", temporaryPassword = StaffApi.TemporaryPassword })))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "user_limit_reached");

        Assert.Equal(1, problem["maxUsers"]!.GetValue<int>());
        Assert.Equal(0, await app.WithDbAsync(db => db.Users.CountAsync(u => u.Email == email)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Doctor>().CountAsync(), tenant));
    }

    [Fact]
    public async Task A_license_clash_while_creating_the_account_too_rolls_everything_back()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await CreateDoctorAsync(admin, tenant, licenseNumber: "KMC-2020-001");
        var email = StaffApi.NewEmail(tenant, "clash");

        await (await PostDoctorAsync(admin, ProfileBody(null, new { email, firstName = "Left", lastName = "Behind" }, licenseNumber: "kmc-2020-001")))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "license_number_taken");

        // No account, role, welcome email or audit entry survives the failed request.
        Assert.Equal(0, await app.WithDbAsync(db => db.Users.CountAsync(u => u.Email == email)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<OutboxMessage>().CountAsync(m => m.Recipient == email)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<AuditEntry>().CountAsync(a => a.Action == "USER_CREATED"), tenant));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Doctor>().CountAsync(), tenant));
        // The same request with a free license number then succeeds: nothing half-made blocks the email.
        await (await PostDoctorAsync(admin, ProfileBody(null, new { email, firstName = "Left", lastName = "Behind" }))).EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Parallel_creates_with_one_license_number_make_exactly_one_profile()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var users = new List<Guid>();
        for (var i = 0; i < 6; i++) users.Add((await tenant.CreateUserAsync(SystemRoles.Doctor)).id);

        var responses = await Task.WhenAll(users.Select((u, i) => PostDoctorAsync(admin, ProfileBody(u, licenseNumber: i % 2 == 0 ? "RACE-1" : "race-1"))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "license_number_taken");
    }

    [Fact]
    public async Task Bad_fields_are_422_naming_each_field()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (userId, _) = await tenant.CreateUserAsync(SystemRoles.Doctor);

        async Task<HashSet<string>> Fields(object body) =>
            ErrorFields(await (await PostDoctorAsync(admin, body)).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed"));

        Assert.Equal(["consultationFee"], await Fields(ProfileBody(userId, consultationFee: -0.01m)));
        Assert.Equal(["consultationFee"], await Fields(ProfileBody(userId, consultationFee: 10.005m)));
        Assert.Equal(["consultationFee"], await Fields(ProfileBody(userId, consultationFee: 10_000_000_000m)));
        Assert.Equal(["specialization"], await Fields(ProfileBody(userId, specialization: "  ")));
        Assert.Equal(["yearsOfExperience"], await Fields(ProfileBody(userId, yearsOfExperience: -1)));
        Assert.Equal(["departmentId"], await Fields(ProfileBody(userId, departmentId: Guid.NewGuid()))); // unknown department
        Assert.Equal(["consultationFee", "licenseNumber", "specialization", "userId", "yearsOfExperience"], (await Fields(new { })).Order());
        Assert.Equal(["user"], await Fields(ProfileBody(userId, new { email = "a@b.test", firstName = "A", lastName = "B" })));
        Assert.Equal(["user.email", "user.firstName", "user.phone"],
            (await Fields(ProfileBody(null, new { email = "not-an-email", firstName = "", lastName = "B", phone = "call me" }))).Order());
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Doctor>().CountAsync(), tenant));
    }

    [Fact]
    public async Task The_account_must_be_a_DOCTOR_of_this_hospital_without_a_profile()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var (nurse, _) = await tenant.CreateUserAsync(SystemRoles.Nurse);
        var (patient, _) = await tenant.CreateUserAsync(SystemRoles.Patient);
        var other = await app.NewTenantAsync();
        var (foreignDoctor, _) = await other.CreateUserAsync(SystemRoles.Doctor);

        foreach (var userId in new[] { nurse, patient, foreignDoctor, Guid.NewGuid() })
        {
            var problem = await (await PostDoctorAsync(admin, ProfileBody(userId))).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
            Assert.Equal(["userId"], ErrorFields(problem));
        }

        var doctor = await CreateDoctorAsync(admin, tenant);
        var problem409 = await (await PostDoctorAsync(admin, ProfileBody(doctor["userId"]!.GetValue<Guid>())))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "doctor_profile_exists");
        Assert.Equal(IdOf(doctor), problem409["doctorId"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Creating_the_account_along_needs_users_write_as_well()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await admin.PostAsJsonAsync("/api/v1/roles", new { name = "PROFILE_EDITOR", permissions = new[] { Permissions.DoctorsRead, Permissions.DoctorsWrite } }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        using var editor = await tenant.ClientAsync("PROFILE_EDITOR");
        var email = StaffApi.NewEmail(tenant, "nope");

        await (await PostDoctorAsync(editor, ProfileBody(null, new { email, firstName = "No", lastName = "Account" })))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, await app.WithDbAsync(db => db.Users.CountAsync(u => u.Email == email)));
        // A profile for an existing DOCTOR account needs doctors:write only.
        var (userId, _) = await tenant.CreateUserAsync(SystemRoles.Doctor);
        await (await PostDoctorAsync(editor, ProfileBody(userId))).EnsureStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task List_searches_names_filters_by_specialization_department_and_status_sorts_by_last_name_and_pages()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var pediatrics = await CreateDepartmentAsync(admin, "Pediatrics");
        await CreateDoctorWithAccountAsync(admin, tenant, "Zara", "Zimmer", "Cardiology");
        await CreateDoctorWithAccountAsync(admin, tenant, "Amit", "Abbott", "Pediatrics", pediatrics);
        var retired = await CreateDoctorWithAccountAsync(admin, tenant, "Mei", "Moreau", "cardiology");
        await (await admin.PostAsync($"/api/v1/users/{retired["userId"]}/deactivate", null)).EnsureStatusAsync(HttpStatusCode.OK);

        async Task<string[]> List(string query) => Names(await (await admin.GetAsync("/api/v1/doctors?" + query)).JsonAsync(), "lastName");

        Assert.Equal(["Abbott", "Moreau", "Zimmer"], await List(""));
        Assert.Equal(["Moreau", "Zimmer"], await List("specialization=CARDIOLOGY"));
        Assert.Equal(["Abbott"], await List($"departmentId={pediatrics}"));
        Assert.Equal(["Zimmer"], await List("q=zara%20zim"));
        Assert.Empty(await List("q=%25"));
        Assert.Equal(["Moreau"], await List("isActive=false"));
        Assert.Equal(["Abbott", "Zimmer"], await List("isActive=true"));

        var page2 = await (await admin.GetAsync("/api/v1/doctors?page=2&pageSize=2")).JsonAsync();
        Assert.Equal(3, page2["total"]!.GetValue<int>());
        Assert.Equal(["Zimmer"], Names(page2, "lastName"));
        await (await admin.GetAsync("/api/v1/doctors?page=0")).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
    }

    [Fact]
    public async Task Patients_see_only_the_public_fields_of_active_doctors_they_can_book()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var clinic = await CreateDepartmentAsync(admin, "Dermatology");
        var lab = await CreateDepartmentAsync(admin, "Laboratory", isPatientFacing: false);
        var bookable = await CreateDoctorWithAccountAsync(admin, tenant, "Ines", "Ibarra", "Dermatology", clinic);
        var unassigned = await CreateDoctorWithAccountAsync(admin, tenant, "Jon", "Jensen");
        var inactive = await CreateDoctorWithAccountAsync(admin, tenant, "Kai", "Kowalski");
        var staffOnly = await CreateDoctorWithAccountAsync(admin, tenant, "Lea", "Lund", "Pathology", lab);
        await (await admin.PostAsync($"/api/v1/users/{inactive["userId"]}/deactivate", null)).EnsureStatusAsync(HttpStatusCode.OK);
        using var patient = await tenant.ClientAsync(SystemRoles.Patient);

        var list = await (await patient.GetAsync("/api/v1/doctors?pageSize=200")).JsonAsync();

        Assert.Equal(2, list["total"]!.GetValue<int>());
        Assert.Equal(["Ines Ibarra", "Jon Jensen"], Names(list));
        foreach (var item in list["items"]!.AsArray())
            Assert.Equal(PublicFields, item!.AsObject().Select(kv => kv.Key).Order());
        var first = list["items"]![0]!.AsObject();
        Assert.Equal(IdOf(bookable), IdOf(first));
        Assert.Equal("Dermatology", first["departmentName"]!.GetValue<string>());
        Assert.Equal("150.50", first["consultationFee"]!.ToJsonString());
        var text = list.ToJsonString();
        foreach (var secret in new[] { bookable["licenseNumber"]!.GetValue<string>(), bookable["email"]!.GetValue<string>(), bookable["userId"]!.GetValue<string>() })
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);

        var one = await (await patient.GetAsync($"/api/v1/doctors/{IdOf(unassigned)}")).JsonAsync();
        Assert.Equal(PublicFields, one.Select(kv => kv.Key).Order());
        foreach (var absent in new[] { "licenseNumber", "email", "phone", "userId", "createdAt", "createdBy", "updatedAt", "updatedBy", "version", "isActive" })
            Assert.False(one.ContainsKey(absent), absent);
        await (await patient.GetAsync($"/api/v1/doctors/{IdOf(inactive)}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await patient.GetAsync($"/api/v1/doctors/{IdOf(staffOnly)}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, (await (await patient.GetAsync("/api/v1/doctors?isActive=false")).JsonAsync())["total"]!.GetValue<int>());
        await (await patient.PatchAsJsonAsync($"/api/v1/doctors/{IdOf(unassigned)}", new { bio = "mine" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Update_changes_the_given_fields_clears_with_null_and_is_audited()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var department = await CreateDepartmentAsync(admin, "Orthopedics");
        var doctor = await CreateDoctorAsync(admin, tenant, "Orthopedics", department);
        var id = IdOf(doctor);

        var response = await admin.PatchAsJsonAsync($"/api/v1/doctors/{id}", new { consultationFee = 200m, yearsOfExperience = 11, bio = (string?)null, departmentId = (Guid?)null });
        var updated = await response.JsonAsync();

        Assert.Equal("200.00", updated["consultationFee"]!.ToJsonString());
        Assert.Equal(11, updated["yearsOfExperience"]!.GetValue<int>());
        Assert.Null(updated["bio"]);
        Assert.Null(updated["departmentId"]);
        Assert.Null(updated["departmentName"]);
        Assert.Equal("Orthopedics", updated["specialization"]!.GetValue<string>()); // left out: unchanged
        Assert.Equal(doctor["licenseNumber"]!.GetValue<string>(), updated["licenseNumber"]!.GetValue<string>());
        Assert.Equal(2, updated["version"]!.GetValue<int>());
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(tenant.AdminId, updated["updatedBy"]!.GetValue<Guid>());

        var entry = Assert.Single(await app.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(a => a.Action == "DOCTOR_UPDATED" && a.ResourceId == id.ToString()).ToListAsync(), tenant));
        var changes = JsonNode.Parse(entry.Changes!)!.AsObject();
        Assert.Equal(["bio", "consultationFee", "departmentId", "yearsOfExperience"], changes.Select(kv => kv.Key).Order());
        // With the department cleared it can now go.
        await (await admin.DeleteAsync($"/api/v1/departments/{department}")).EnsureStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Update_refuses_bad_fields_a_taken_license_in_any_case_and_a_stale_If_Match()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var first = await CreateDoctorAsync(admin, tenant, licenseNumber: "ABC-100");
        var second = await CreateDoctorAsync(admin, tenant);
        var id = IdOf(second);

        await (await admin.PatchAsJsonAsync($"/api/v1/doctors/{id}", new { licenseNumber = "abc-100" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "license_number_taken");
        var bad = await (await admin.PatchAsJsonAsync($"/api/v1/doctors/{id}", new { consultationFee = 1.999m, specialization = "", yearsOfExperience = (int?)null }))
            .ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        Assert.Equal(["consultationFee", "specialization", "yearsOfExperience"], ErrorFields(bad).Order());
        var unknown = await (await admin.PatchAsJsonAsync($"/api/v1/doctors/{id}", new { departmentId = Guid.NewGuid() })).ShouldBeProblemAsync((HttpStatusCode)422);
        Assert.Equal(["departmentId"], ErrorFields(unknown));

        var etag = (await admin.GetAsync($"/api/v1/doctors/{id}")).Headers.ETag!;
        var changed = await admin.PatchAsJsonAsync($"/api/v1/doctors/{id}", new { bio = "first writer" });
        await changed.EnsureStatusAsync(HttpStatusCode.OK);
        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/doctors/{id}") { Content = JsonContent.Create(new { bio = "lost update" }) };
        stale.Headers.IfMatch.Add(etag);
        await (await admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");
        using var fresh = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/doctors/{id}") { Content = JsonContent.Create(new { bio = "second writer" }) };
        fresh.Headers.IfMatch.Add(new EntityTagHeaderValue(changed.Headers.ETag!.Tag));
        Assert.Equal("second writer", (await (await admin.SendAsync(fresh)).JsonAsync())["bio"]!.GetValue<string>());
        Assert.Equal("ABC-100", (await (await admin.GetAsync($"/api/v1/doctors/{IdOf(first)}")).JsonAsync())["licenseNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_tenants_doctor_is_404_on_every_route_and_its_department_cannot_be_used()
    {
        var app = await CarebaseApp.Shared();
        var other = await app.NewTenantAsync();
        using var otherAdmin = await other.AdminAsync();
        var foreignDepartment = await CreateDepartmentAsync(otherAdmin, "Theirs");
        var foreign = IdOf(await CreateDoctorAsync(otherAdmin, other, departmentId: foreignDepartment));
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var patient = await tenant.ClientAsync(SystemRoles.Patient);

        await (await admin.GetAsync($"/api/v1/doctors/{foreign}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await patient.GetAsync($"/api/v1/doctors/{foreign}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.PatchAsJsonAsync($"/api/v1/doctors/{foreign}", new { bio = "mine now" })).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, (await (await admin.GetAsync("/api/v1/doctors")).JsonAsync())["total"]!.GetValue<int>());
        Assert.Equal(0, (await (await patient.GetAsync("/api/v1/doctors")).JsonAsync())["total"]!.GetValue<int>());
        var (userId, _) = await tenant.CreateUserAsync(SystemRoles.Doctor);
        var problem = await (await PostDoctorAsync(admin, ProfileBody(userId, departmentId: foreignDepartment))).ShouldBeProblemAsync((HttpStatusCode)422);
        Assert.Equal(["departmentId"], ErrorFields(problem));

        var theirs = await (await otherAdmin.GetAsync($"/api/v1/doctors/{foreign}")).JsonAsync();
        Assert.Equal("Sees adults.", theirs["bio"]!.GetValue<string>());
        Assert.Equal(1, theirs["version"]!.GetValue<int>());
    }
}
