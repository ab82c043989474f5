using System.Text.Json.Nodes;
using Carebase.Api.Features.Scheduling;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Queue;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Patients;

/// <summary>Care teams, confidential patients and break-glass access, through the real pipeline.</summary>
public sealed class ConfidentialityTests
{
    /// <summary>A hospital with an admin, a doctor (with a profile), a nurse, a receptionist, and one confidential patient.</summary>
    sealed record Ward(CarebaseApp App, TestTenant Tenant, HttpClient Admin, HttpClient Doctor, Guid DoctorUserId, Guid DoctorId,
        HttpClient Nurse, Guid NurseId, HttpClient Desk, JsonObject Patient)
    {
        public Guid PatientId => Patient.Id();

        public static async Task<Ward> CreateAsync(CarebaseApp? app = null)
        {
            app ??= await CarebaseApp.Shared();
            var tenant = await app.NewTenantAsync();
            var admin = await tenant.AdminAsync();
            var (doctor, doctorUser, doctorId) = await DoctorsApi.SignedInDoctorAsync(admin, tenant);
            var (nurseId, nurseEmail) = await tenant.CreateUserAsync(SystemRoles.Nurse);
            var desk = await tenant.ClientAsync(SystemRoles.Receptionist);
            var patient = await PatientKit.RegisterAsync(desk, PatientKit.Person(first: "Verity", last: "Quill" + Guid.NewGuid().ToString("N")[..6]));
            // The doctor marks the record confidential (patients:confidential).
            await (await doctor.PatchAsJsonAsync($"/api/v1/patients/{patient.Id()}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
            return new Ward(app, tenant, admin, doctor, doctorUser, doctorId, await app.SignInAsync(nurseEmail), nurseId, desk, patient);
        }

        public Task<Guid> AppointmentAsync(DateTimeOffset startsAt, string reason = "Follow-up of a sensitive condition") => App.WithDbAsync(async db =>
        {
            var a = Appointment.Book(PatientId, DoctorId, null, startsAt, startsAt.AddMinutes(15), DateOnly.FromDateTime(startsAt.UtcDateTime),
                null, null, TimeProvider.System.GetUtcNow());
            a.Reason = reason;
            db.Add(a);
            await db.SaveChangesAsync();
            return a.Id;
        }, Tenant);

        public Task<HttpResponseMessage> BreakGlassAsync(HttpClient client, string reason = "Unconscious in the emergency room, need allergies") =>
            client.PostAsJsonAsync($"/api/v1/patients/{PatientId}/break-glass", new { reason });
    }

    [Fact]
    public async Task Staff_outside_the_care_team_find_a_confidential_patient_restricted_and_cannot_open_the_record()
    {
        var w = await Ward.CreateAsync();
        var search = await (await w.Desk.GetAsync($"/api/v1/patients?q={w.Patient.Str("lastName")}")).ItemsAsync();
        var found = Assert.Single(search)!.AsObject();
        Assert.True(found["restricted"]!.GetValue<bool>());
        Assert.Equal(w.Patient.Str("patientCode"), found.Str("patientCode"));
        Assert.Equal(DateOnly.Parse(w.Patient.Str("dateOfBirth")).Year, found["birthYear"]!.GetValue<int>());
        foreach (var hidden in new[] { "dateOfBirth", "phone", "email", "nationalId", "city", "bloodType" })
            Assert.Null(found[hidden]);

        // The record and its sub-resources: 403 break_glass_required (the desk, the nurse, even the admin).
        foreach (var client in new[] { w.Desk, w.Nurse, w.Admin })
        {
            await (await client.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
            await (await client.GetAsync($"/api/v1/patients/{w.PatientId}/care-team")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        }
        await (await w.Desk.PatchAsJsonAsync($"/api/v1/patients/{w.PatientId}", new { city = "Elsewhere" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        // Duplicate search names the patient (no second registration) without the details.
        var dup = await (await w.Desk.GetAsync($"/api/v1/patients/duplicates?nationalId={w.Patient.Str("nationalId")}")).ItemsAsync();
        var candidate = Assert.Single(dup)!.AsObject();
        Assert.True(candidate["restricted"]!.GetValue<bool>());
        Assert.Null(candidate["phone"]);
        Assert.Null(candidate["dateOfBirth"]);
        // Exports leave them out.
        var csv = await (await w.Admin.GetAsync($"/api/v1/patients/export?q={w.Patient.Str("lastName")}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(w.Patient.Str("patientCode"), csv);
    }

    [Fact]
    public async Task The_care_team_opens_the_record_explicit_members_and_the_doctor_of_an_appointment()
    {
        var w = await Ward.CreateAsync();
        // The doctor who marked it has no appointment yet: outside the team too.
        await (await w.Doctor.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await w.AppointmentAsync(TimeProvider.System.GetUtcNow().AddDays(2));
        await (await w.Doctor.GetAsync($"/api/v1/patients/{w.PatientId}")).EnsureStatusAsync(HttpStatusCode.OK);

        // The doctor (on the team) adds the nurse explicitly.
        var added = await (await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/care-team", new { userId = w.NurseId, role = "NURSE" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal("EXPLICIT", added.Str("source"));
        await (await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/care-team", new { userId = w.NurseId, role = "NURSE" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_member");
        await (await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/care-team", new { userId = Guid.NewGuid(), role = "NURSE" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/care-team", new { userId = w.NurseId, role = "JANITOR" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await w.Nurse.GetAsync($"/api/v1/patients/{w.PatientId}")).EnsureStatusAsync(HttpStatusCode.OK);

        var team = await (await w.Nurse.GetAsync($"/api/v1/patients/{w.PatientId}/care-team")).ItemsAsync();
        Assert.Contains(team, m => m!.Str("userId") == w.NurseId.ToString() && m!.Str("source") == "EXPLICIT" && m!.Str("role") == "NURSE");
        Assert.Contains(team, m => m!.Str("userId") == w.DoctorUserId.ToString() && m!.Str("source") == "APPOINTMENT");
        // The member sees the full search row.
        var row = Assert.Single(await (await w.Nurse.GetAsync($"/api/v1/patients?q={w.Patient.Str("lastName")}")).ItemsAsync())!;
        Assert.False(row["restricted"]!.GetValue<bool>());
        Assert.Equal(w.Patient.Str("phone"), row.Str("phone"));

        // Removed: closed again. Removing an implicit member is not possible (404: no explicit membership).
        await (await w.Doctor.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-team/{w.NurseId}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await w.Nurse.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await w.Doctor.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-team/{w.DoctorUserId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Implicit_membership_ends_30_days_after_the_appointment_and_a_cancelled_one_gives_none()
    {
        var w = await Ward.CreateAsync();
        var now = TimeProvider.System.GetUtcNow();
        var old = await w.AppointmentAsync(now.AddDays(-40));
        await w.App.WithDbAsync(async db =>
        {
            var a = await db.Set<Appointment>().FindAsync(old);
            a!.Apply(AppointmentAction.Confirm, null, now); // still open → still a member
            await db.SaveChangesAsync();
            return 0;
        }, w.Tenant);
        await (await w.Doctor.GetAsync($"/api/v1/patients/{w.PatientId}")).EnsureStatusAsync(HttpStatusCode.OK);
        await w.App.WithDbAsync(async db =>
        {
            var a = await db.Set<Appointment>().FindAsync(old);
            a!.Apply(AppointmentAction.Cancel, null, now, "Patient moved away");
            await db.SaveChangesAsync();
            return 0;
        }, w.Tenant);
        await (await w.Doctor.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
    }

    [Fact]
    public async Task Break_glass_opens_the_record_for_the_hospital_period_flags_the_audit_emails_admins_and_is_reviewed()
    {
        var w = await Ward.CreateAsync();
        await (await w.BreakGlassAsync(w.Nurse, "because")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await w.BreakGlassAsync(w.Nurse, "          short     ")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        // The front desk has no clinical read permission.
        await (await w.BreakGlassAsync(w.Desk)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        var grant = await (await w.BreakGlassAsync(w.Nurse)).JsonAsync(HttpStatusCode.Created);
        var granted = DateTimeOffset.Parse(grant.Str("grantedAt"));
        Assert.Equal(TimeSpan.FromMinutes(60), DateTimeOffset.Parse(grant.Str("expiresAt")) - granted);
        await (await w.Nurse.GetAsync($"/api/v1/patients/{w.PatientId}")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await w.Nurse.GetAsync($"/api/v1/patients/{w.PatientId}/care-team")).EnsureStatusAsync(HttpStatusCode.OK);
        // Someone else is still outside.
        await (await w.Desk.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");

        // The admins are told.
        var mail = await w.App.Mail.WaitForAsync(w.Tenant.AdminEmail, "break-glass");
        Assert.Contains(w.Patient.Str("patientCode"), mail.Body);
        Assert.Contains("Unconscious in the emergency room", mail.Body);

        // The trail: the grant flagged breakGlass, and the reads made under it carry the grant.
        var trail = await (await w.Admin.GetAsync($"/api/v1/reports/audit-logs?resourceId={w.PatientId}&pageSize=200")).ItemsAsync();
        var flagged = Assert.Single(trail, e => e!.Str("action") == "BREAK_GLASS_GRANTED")!;
        Assert.True(flagged["changes"]!["breakGlass"]!.GetValue<bool>());
        Assert.Contains(trail, e => e!.Str("action") == "PATIENT_READ" && e!["changes"]?["breakGlassGrantId"]?.GetValue<string>() == grant.Str("id"));

        // The report: who, which patient, why, and what they opened; then the admin's review, once.
        var report = await (await w.Admin.GetAsync($"/api/v1/reports/break-glass?patientId={w.PatientId}")).ItemsAsync();
        var item = Assert.Single(report)!;
        Assert.Equal(w.NurseId.ToString(), item["user"]!.Str("id"));
        Assert.Equal(w.Patient.Str("patientCode"), item["patient"]!.Str("patientCode"));
        Assert.True(item["active"]!.GetValue<bool>());
        Assert.Contains(item["opened"]!.AsArray(), o => o!.Str("action") == "PATIENT_READ");
        Assert.Contains(item["opened"]!.AsArray(), o => o!.Str("action") == "CARE_TEAM_READ");
        Assert.Single(await (await w.Admin.GetAsync("/api/v1/reports/break-glass?reviewed=false")).ItemsAsync());
        var reviewed = await (await w.Admin.PostAsJsonAsync($"/api/v1/reports/break-glass/{grant.Str("id")}/review", new { note = "Justified: ER admission." }))
            .JsonAsync();
        Assert.Equal("Justified: ER admission.", reviewed.Str("reviewNote"));
        Assert.NotNull(reviewed["reviewedAt"]);
        await (await w.Admin.PostAsJsonAsync($"/api/v1/reports/break-glass/{grant.Str("id")}/review", new { note = "Again" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_reviewed");
        Assert.Empty(await (await w.Admin.GetAsync("/api/v1/reports/break-glass?reviewed=false")).ItemsAsync());
        // Only admins read the report.
        await (await w.Nurse.GetAsync("/api/v1/reports/break-glass")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await w.Admin.PostAsJsonAsync($"/api/v1/reports/break-glass/{Guid.NewGuid()}/review", new { note = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Break_glass_is_refused_when_not_needed_and_for_unknown_patients()
    {
        var w = await Ward.CreateAsync();
        var plain = await PatientKit.RegisterAsync(w.Desk, PatientKit.Person());
        await (await w.Nurse.PostAsJsonAsync($"/api/v1/patients/{plain.Id()}/break-glass", new { reason = "Emergency, need the record now" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "break_glass_not_needed");
        await (await w.Nurse.PostAsJsonAsync($"/api/v1/patients/{Guid.NewGuid()}/break-glass", new { reason = "Emergency, need the record now" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await w.AppointmentAsync(TimeProvider.System.GetUtcNow().AddDays(1));
        await (await w.BreakGlassAsync(w.Doctor)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "break_glass_not_needed");
        // Another hospital's staff: 404, never 403.
        var other = await (await w.App.NewTenantAsync()).ClientAsync(SystemRoles.Doctor);
        await (await w.BreakGlassAsync(other)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/patients/{w.PatientId}/care-team")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_grant_expires_after_the_hospital_period_on_the_injected_clock()
    {
        var shared = await CarebaseApp.Shared();
        var w = await Ward.CreateAsync(shared);
        await (await w.Admin.PatchAsJsonAsync("/api/v1/tenant", new { breakGlassMinutes = 5 })).EnsureStatusAsync(HttpStatusCode.OK);
        var clock = new MovableTime();
        await using var host = shared.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var (_, email) = await w.Tenant.CreateUserAsync(SystemRoles.Nurse);
        using var nurse = host.CreateClient();
        await MovableTime.SignInAsync(nurse, email);
        var grant = await (await w.BreakGlassAsync(nurse)).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(TimeSpan.FromMinutes(5), DateTimeOffset.Parse(grant.Str("expiresAt")) - DateTimeOffset.Parse(grant.Str("grantedAt")));
        await (await nurse.GetAsync($"/api/v1/patients/{w.PatientId}")).EnsureStatusAsync(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(4));
        await (await nurse.GetAsync($"/api/v1/patients/{w.PatientId}")).EnsureStatusAsync(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(2));
        await (await nurse.GetAsync($"/api/v1/patients/{w.PatientId}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        // On the same clock, the report shows the grant as over.
        using var admin = host.CreateClient();
        await MovableTime.SignInAsync(admin, w.Tenant.AdminEmail);
        var item = Assert.Single(await (await admin.GetAsync($"/api/v1/reports/break-glass?patientId={w.PatientId}")).ItemsAsync())!;
        Assert.False(item["active"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Appointments_of_a_confidential_patient_show_the_name_to_the_front_desk_without_clinical_detail()
    {
        var w = await Ward.CreateAsync();
        var id = await w.AppointmentAsync(TimeProvider.System.GetUtcNow().AddDays(3), reason: "HIV follow-up");
        var forDesk = await (await w.Desk.GetAsync($"/api/v1/appointments/{id}")).JsonAsync();
        Assert.Contains("Verity", forDesk.Str("patientName"));
        Assert.True(forDesk["restricted"]!.GetValue<bool>());
        Assert.Null(forDesk["reason"]);
        var list = await (await w.Desk.GetAsync($"/api/v1/appointments?patientId={w.PatientId}")).ItemsAsync();
        Assert.Null(Assert.Single(list)!["reason"]);
        // Its doctor (on the care team through it) sees the reason.
        var forDoctor = await (await w.Doctor.GetAsync($"/api/v1/appointments/{id}")).JsonAsync();
        Assert.Equal("HIV follow-up", forDoctor.Str("reason"));
        Assert.False(forDoctor["restricted"]!.GetValue<bool>());
        // The desk can still confirm and queue the patient, and calls them by name; the priority reason stays with the team.
        await (await w.Desk.PostAsync($"/api/v1/appointments/{id}/confirm", null)).EnsureStatusAsync(HttpStatusCode.OK);
        var token = await (await w.Desk.PostAsJsonAsync("/api/v1/queue/walk-in",
            new { patientId = w.PatientId, doctorId = w.DoctorId, priority = "HIGH", priorityReason = "Severe abdominal pain" })).JsonAsync(HttpStatusCode.Created);
        Assert.True(token["restricted"]!.GetValue<bool>());
        Assert.Null(token["priorityReason"]);
        var waiting = (await (await w.Desk.GetAsync($"/api/v1/queue?doctorId={w.DoctorId}")).JsonAsync())["waiting"]!.AsArray();
        Assert.Contains("Verity", Assert.Single(waiting)!.Str("patientName"));
        Assert.Null(waiting[0]!["priorityReason"]);
        var forTeam = (await (await w.Doctor.GetAsync("/api/v1/queue?doctorId=me")).JsonAsync())["waiting"]!.AsArray();
        Assert.Equal("Severe abdominal pain", Assert.Single(forTeam)!.Str("priorityReason"));
    }

    [Fact]
    public async Task Marking_confidential_needs_the_permission_and_is_audited_and_the_portal_patient_is_unaffected()
    {
        var w = await Ward.CreateAsync();
        var plain = await PatientKit.RegisterAsync(w.Desk, PatientKit.Person());
        await (await w.Desk.PatchAsJsonAsync($"/api/v1/patients/{plain.Id()}", new { confidential = true })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var person = PatientKit.Person();
        person["confidential"] = true;
        await (await w.Desk.PostAsJsonAsync("/api/v1/patients", person)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var trail = await (await w.Admin.GetAsync($"/api/v1/reports/audit-logs?resourceId={w.PatientId}&action=PATIENT_CONFIDENTIALITY_CHANGED")).ItemsAsync();
        Assert.Equal(w.DoctorUserId.ToString(), Assert.Single(trail)!.Str("userId"));

        // The patient's own portal account still opens their record.
        var email = w.Patient.Str("email");
        await (await w.Desk.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/portal-invite", new { }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await w.AppointmentAsync(TimeProvider.System.GetUtcNow().AddDays(1)); // the doctor joins the team through it
        using var patient = await PatientKit.PortalClientAsync(w.App, w.Doctor, w.PatientId, email);
        var me = await (await patient.GetAsync($"/api/v1/patients/{w.PatientId}")).JsonAsync();
        Assert.True(me["confidential"]!.GetValue<bool>());
        await (await patient.GetAsync($"/api/v1/patients/{plain.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/break-glass", new { reason = "I want to see my own record" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Auth_me_names_the_doctor_profile_and_doctor_scoped_lists_accept_me()
    {
        var w = await Ward.CreateAsync();
        var me = await (await w.Doctor.GetAsync("/api/v1/auth/me")).JsonAsync();
        Assert.Equal(w.DoctorId.ToString(), me.Str("doctorId"));
        Assert.Null((await (await w.Desk.GetAsync("/api/v1/auth/me")).JsonAsync())["doctorId"]);
        var id = await w.AppointmentAsync(TimeProvider.System.GetUtcNow().AddDays(1));
        var mine = await (await w.Doctor.GetAsync("/api/v1/appointments?doctorId=me")).ItemsAsync();
        Assert.Equal(id.ToString(), Assert.Single(mine)!.Str("id"));
        await (await w.Doctor.GetAsync("/api/v1/queue?doctorId=me")).EnsureStatusAsync(HttpStatusCode.OK);
        var problem = await (await w.Desk.GetAsync("/api/v1/appointments?doctorId=me")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["doctorId"]);
        await (await w.Desk.GetAsync("/api/v1/appointments?doctorId=you")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
