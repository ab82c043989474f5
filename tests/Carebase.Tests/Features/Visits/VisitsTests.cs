using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;

namespace Carebase.Tests.Features.Visits;

/// <summary>Visits: start, document, complete and lock, addenda, vitals and diagnoses, through the real pipeline.</summary>
public sealed class VisitsTests
{
    /// <summary>A hospital with a doctor who signs in (and has a profile), a nurse, the front desk and its queue.</summary>
    sealed record Clinic(QueueSetup Queue, HttpClient Doctor, Guid DoctorId, HttpClient Nurse, HttpClient Admin)
    {
        public TestTenant Tenant => Queue.Tenant;

        public static async Task<Clinic> CreateAsync()
        {
            var app = await CarebaseApp.Shared();
            var tenant = await app.NewTenantAsync("v");
            var admin = await tenant.AdminAsync();
            var (doctor, _, doctorId) = await DoctorsApi.SignedInDoctorAsync(admin, tenant);
            var queue = new QueueSetup(app, tenant, await tenant.ClientAsync(SystemRoles.Receptionist), doctorId);
            return new Clinic(queue, doctor, doctorId, await tenant.ClientAsync(SystemRoles.Nurse), admin);
        }

        public async Task<JsonObject> StartAsync(object body, HttpStatusCode status = HttpStatusCode.Created) =>
            await (await Doctor.PostAsJsonAsync("/api/v1/visits", body)).JsonAsync(status);
    }

    [Fact]
    public async Task A_visit_from_a_checked_in_appointment_moves_it_and_its_token_and_completing_locks_everything()
    {
        var c = await Clinic.CreateAsync();
        var patient = (await c.Queue.PatientsAsync(1))[0];
        var appointment = await c.Queue.AppointmentAsync(patient, QueueSetup.TodayAt(23, 30));
        await (await c.Queue.CheckInAsync(appointment)).EnsureStatusAsync(HttpStatusCode.Created);

        var visit = await c.StartAsync(new { appointmentId = appointment, chiefComplaint = "Cough for two weeks" });
        var id = visit.Id();
        Assert.Equal("IN_PROGRESS", visit.Str("status"));
        Assert.Equal(patient, visit["patientId"]!.GetValue<Guid>());
        Assert.Equal("IN_CONSULTATION", await c.Queue.AppointmentStatusAsync(appointment));
        Assert.Equal(1, await c.Queue.ServingCountAsync(c.DoctorId));
        // One visit per appointment.
        await (await c.Doctor.PostAsJsonAsync("/api/v1/visits", new { appointmentId = appointment })).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        await (await c.Doctor.PatchAsJsonAsync($"/api/v1/visits/{id}", new { subjective = "Dry cough, worse at night", assessment = "Likely asthma" }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        var vitals = await (await c.Nurse.PostAsJsonAsync($"/api/v1/visits/{id}/vitals",
            new { heightCm = 170, weightKg = 70, systolicMmHg = 150, diastolicMmHg = 95, spo2Percent = 97 })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(24.2m, vitals["bmi"]!.GetValue<decimal>());
        Assert.Equal("HIGH", vitals["flags"]!["systolicMmHg"]![0]!.GetValue<string>());
        Assert.Null(vitals["flags"]!["spo2Percent"]);
        var dx = await (await c.Doctor.PostAsJsonAsync($"/api/v1/visits/{id}/diagnoses", new { code = "J45.909", kind = "PRIMARY" })).JsonAsync(HttpStatusCode.Created);
        Assert.Contains("asthma", dx.Str("text"), StringComparison.OrdinalIgnoreCase);
        await (await c.Doctor.PostAsJsonAsync($"/api/v1/visits/{id}/diagnoses", new { code = "J20.9", kind = "PRIMARY" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "primary_diagnosis_exists");
        var second = await (await c.Doctor.PostAsJsonAsync($"/api/v1/visits/{id}/diagnoses", new { code = "Z99.89", text = "Home nebuliser", kind = "SECONDARY" }))
            .JsonAsync(HttpStatusCode.Created);
        await (await c.Doctor.PostAsync($"/api/v1/visits/{id}/addenda", JsonContent.Create(new { text = "too early" })))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_in_progress");

        var done = await (await c.Doctor.PostAsync($"/api/v1/visits/{id}/complete", null)).JsonAsync();
        Assert.Equal("COMPLETED", done.Str("status"));
        Assert.Equal("COMPLETED", await c.Queue.AppointmentStatusAsync(appointment));
        Assert.Equal(0, await c.Queue.ServingCountAsync(c.DoctorId));
        var record = await (await c.Admin.GetAsync($"/api/v1/patients/{patient}")).JsonAsync();
        Assert.NotNull(record["lastVisitAt"]);

        // Locked: every change is 409 visit_locked.
        var vitalsId = vitals.Id();
        foreach (var attempt in new Func<Task<HttpResponseMessage>>[]
        {
            () => c.Doctor.PatchAsJsonAsync($"/api/v1/visits/{id}", new { plan = "changed later" }),
            () => c.Doctor.PostAsync($"/api/v1/visits/{id}/complete", null),
            () => c.Nurse.PostAsJsonAsync($"/api/v1/visits/{id}/vitals", new { pulsePerMin = 80 }),
            () => c.Doctor.PostAsJsonAsync($"/api/v1/visits/{id}/diagnoses", new { code = "R05.9", kind = "SECONDARY" }),
            () => c.Doctor.PatchAsJsonAsync($"/api/v1/visits/{id}/diagnoses/{second.Id()}", new { status = "CONFIRMED" }),
            () => c.Doctor.DeleteAsync($"/api/v1/visits/{id}/diagnoses/{second.Id()}"),
            () => c.Nurse.PutAsJsonAsync($"/api/v1/patients/{patient}/vitals/{vitalsId}", new { pulsePerMin = 70 }),
            () => c.Nurse.DeleteAsync($"/api/v1/patients/{patient}/vitals/{vitalsId}"),
        })
            await (await attempt()).ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");

        // Addenda are appended, in order, with their author; the signed text stays.
        await (await c.Doctor.PostAsJsonAsync($"/api/v1/visits/{id}/addenda", new { text = "Spirometry booked." })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await c.Nurse.PostAsJsonAsync($"/api/v1/visits/{id}/addenda", new { text = "Inhaler technique taught." })).EnsureStatusAsync(HttpStatusCode.Created);
        var read = await (await c.Doctor.GetAsync($"/api/v1/visits/{id}")).JsonAsync();
        Assert.Equal(new[] { "Spirometry booked.", "Inhaler technique taught." }, read["addenda"]!.AsArray().Select(a => a!.Str("text")));
        Assert.Equal("Likely asthma", read.Str("assessment"));
        Assert.Equal(2, read["diagnoses"]!.AsArray().Count);
        Assert.Equal("PRIMARY", read["diagnoses"]![0]!.Str("kind"));
        Assert.Single(read["vitals"]!.AsArray());
    }

    [Fact]
    public async Task A_visit_from_a_walk_in_token_serves_it_and_a_direct_visit_needs_a_doctor()
    {
        var c = await Clinic.CreateAsync();
        var patients = await c.Queue.PatientsAsync(2);
        var token = await (await c.Queue.WalkInAsync(patients[0])).JsonAsync(HttpStatusCode.Created);
        var visit = await c.StartAsync(new { queueTokenId = token.Id() });
        Assert.Equal("SERVING", (await (await c.Queue.Desk.GetAsync($"/api/v1/queue/{token.Id()}")).JsonAsync()).Str("status"));
        await (await c.Doctor.PostAsync($"/api/v1/visits/{visit.Id()}/complete", null)).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("SERVED", (await (await c.Queue.Desk.GetAsync($"/api/v1/queue/{token.Id()}")).JsonAsync()).Str("status"));

        // Directly: the caller's own doctor profile by default; a nurse must name the doctor.
        var direct = await c.StartAsync(new { patientId = patients[1] });
        Assert.Equal(c.DoctorId, direct["doctorId"]!.GetValue<Guid>());
        var problem = await (await c.Nurse.PostAsJsonAsync("/api/v1/visits", new { patientId = patients[1] })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["doctorId"]);
        await (await c.Nurse.PostAsJsonAsync("/api/v1/visits", new { patientId = patients[1], doctorId = c.DoctorId })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await c.Doctor.PostAsJsonAsync("/api/v1/visits", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await c.Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patients[1], appointmentId = Guid.NewGuid() }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await c.Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = Guid.NewGuid() })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // The front desk does not start visits.
        await (await c.Queue.Desk.PostAsJsonAsync("/api/v1/visits", new { patientId = patients[1] })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_visit_starts_with_its_vitals_and_diagnoses_in_one_request_and_a_bad_part_records_nothing()
    {
        var c = await Clinic.CreateAsync();
        var patient = (await c.Queue.PatientsAsync(1))[0];
        var bad = await (await c.Doctor.PostAsJsonAsync("/api/v1/visits", new
        {
            patientId = patient,
            vitals = new { systolicMmHg = 80, diastolicMmHg = 90, spo2Percent = 101 },
            diagnoses = new object[] { new { code = "I10", kind = "PRIMARY" }, new { code = "nope", kind = "SECONDARY" }, new { code = "E11.9", kind = "PRIMARY" } },
        })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = bad["errors"]!.AsObject();
        Assert.NotNull(errors["vitals.spo2Percent"]);
        Assert.NotNull(errors["vitals.systolicMmHg"]);
        Assert.NotNull(errors["diagnoses[1].code"]);
        Assert.NotNull(errors["diagnoses"]);
        // A code outside the list needs its text: refused after the visit was added to the unit of work, so nothing stays.
        await (await c.Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient, diagnoses = new[] { new { code = "Z99.89", kind = "PRIMARY" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(0, (await (await c.Doctor.GetAsync($"/api/v1/visits?patientId={patient}")).JsonAsync())["total"]!.GetValue<int>());

        var visit = await c.StartAsync(new
        {
            patientId = patient, chiefComplaint = "Headache",
            vitals = new { heightCm = 180, weightKg = 81, systolicMmHg = 165, diastolicMmHg = 100 },
            diagnoses = new object[] { new { code = "I10", kind = "PRIMARY" }, new { code = "R51", text = "Headache", kind = "SECONDARY" } },
        });
        Assert.Equal(25.0m, visit["vitals"]![0]!["bmi"]!.GetValue<decimal>());
        Assert.Equal("HIGH", visit["vitals"]![0]!["flags"]!["systolicMmHg"]![0]!.GetValue<string>());
        var diagnoses = visit["diagnoses"]!.AsArray();
        Assert.Equal("I10,R51", string.Join(",", diagnoses.Select(d => d!.Str("code"))));
        Assert.Contains("hypertension", diagnoses[0]!.Str("text"), StringComparison.OrdinalIgnoreCase);
        var read = await (await c.Doctor.GetAsync($"/api/v1/visits/{visit.Id()}")).JsonAsync();
        Assert.True(JsonNode.DeepEquals(visit, read), $"created {visit}\nread {read}");
    }

    [Fact]
    public async Task Two_doctors_starting_a_visit_for_the_same_appointment_at_once_make_one_visit()
    {
        var c = await Clinic.CreateAsync();
        var patient = (await c.Queue.PatientsAsync(1))[0];
        var appointment = await c.Queue.AppointmentAsync(patient, QueueSetup.TodayAt(23, 45));
        await (await c.Queue.CheckInAsync(appointment)).EnsureStatusAsync(HttpStatusCode.Created);
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => c.Doctor.PostAsJsonAsync("/api/v1/visits", new { appointmentId = appointment })));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>($"""SELECT count(*) FROM "{c.Tenant.Schema}".visits WHERE appointment_id = $1""", appointment));
    }

    [Fact]
    public async Task Vitals_are_checked_against_physiological_limits_flagged_outside_normal_ranges_and_BMI_is_the_servers()
    {
        var c = await Clinic.CreateAsync();
        var patient = (await c.Queue.PatientsAsync(1))[0];
        var url = $"/api/v1/patients/{patient}/vitals";
        async Task<JsonObject> Refused(object body) => await (await c.Nurse.PostAsJsonAsync(url, body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull((await Refused(new { spo2Percent = 101 }))["errors"]!["spo2Percent"]);
        Assert.NotNull((await Refused(new { systolicMmHg = 80, diastolicMmHg = 90 }))["errors"]!["systolicMmHg"]);
        Assert.NotNull((await Refused(new { temperatureC = 50 }))["errors"]!["temperatureC"]);
        Assert.NotNull((await Refused(new { heightCm = 170, weightKg = 70, bmi = 10 }))["errors"]!["bmi"]);
        await Refused(new { });

        var low = await (await c.Nurse.PostAsJsonAsync(url, new { temperatureC = 39.2, pulsePerMin = 48, spo2Percent = 88, painScore = 7 })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("HIGH", low["flags"]!["temperatureC"]![0]!.GetValue<string>());
        Assert.Equal("LOW", low["flags"]!["pulsePerMin"]![0]!.GetValue<string>());
        Assert.Equal("LOW", low["flags"]!["spo2Percent"]![0]!.GetValue<string>());
        Assert.Null(low["visitId"]);
        var put = await c.Nurse.PutAsJsonAsync($"{url}/{low.Id()}", new { heightCm = 160, weightKg = 80 });
        var corrected = await put.JsonAsync();
        Assert.Equal(31.3m, corrected["bmi"]!.GetValue<decimal>());
        Assert.Equal("HIGH", corrected["flags"]!["bmi"]![0]!.GetValue<string>());
        var list = await (await c.Doctor.GetAsync(url)).ItemsAsync();
        Assert.Single(list);
        await (await c.Nurse.DeleteAsync($"{url}/{low.Id()}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        Assert.Empty(await (await c.Doctor.GetAsync(url)).ItemsAsync());
        await (await c.Doctor.GetAsync($"{url}?includeDeleted=true")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        Assert.Single(await (await c.Admin.GetAsync($"{url}?includeDeleted=true")).ItemsAsync());
    }

    [Fact]
    public async Task Diagnoses_take_their_text_from_the_ICD_10_list_and_the_list_is_searchable_and_extensible()
    {
        var c = await Clinic.CreateAsync();
        var found = await (await c.Doctor.GetAsync("/api/v1/diagnosis-codes?q=diabetes")).ItemsAsync();
        Assert.Contains(found, x => x!.Str("code") == "E11.9");
        Assert.Equal("E11.9", (await (await c.Doctor.GetAsync("/api/v1/diagnosis-codes?q=E11.9")).ItemsAsync())[0]!.Str("code"));
        Assert.Contains(await (await c.Doctor.GetAsync("/api/v1/diagnosis-codes?q=hypertensoin")).ItemsAsync(), x => x!.Str("code") == "I10");
        Assert.True((await (await c.Doctor.GetAsync("/api/v1/diagnosis-codes?pageSize=1")).JsonAsync())["total"]!.GetValue<int>() >= 300);

        var patient = (await c.Queue.PatientsAsync(1))[0];
        var visit = await c.StartAsync(new { patientId = patient });
        var dxUrl = $"/api/v1/visits/{visit.Id()}/diagnoses";
        Assert.NotNull((await (await c.Doctor.PostAsJsonAsync(dxUrl, new { code = "XYZ", kind = "PRIMARY" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!["code"]);
        Assert.NotNull((await (await c.Doctor.PostAsJsonAsync(dxUrl, new { code = "Q99.8", kind = "PRIMARY" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!["text"]);
        var own = await (await c.Doctor.PostAsJsonAsync(dxUrl, new { code = "q99.8", text = "Other chromosome abnormality", kind = "PRIMARY" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal("Q99.8", own.Str("code"));

        await (await c.Doctor.PostAsJsonAsync("/api/v1/diagnosis-codes", new { code = "U09.9", text = "Post COVID-19 condition, unspecified" }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        await (await c.Doctor.PostAsJsonAsync("/api/v1/diagnosis-codes", new { code = "U09.9", text = "Again" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "code_exists");
        var added = await (await c.Doctor.GetAsync("/api/v1/diagnosis-codes?q=U09")).ItemsAsync();
        Assert.True(Assert.Single(added)!["isCustom"]!.GetValue<bool>());
        // Another hospital's list does not have it.
        var other = await (await c.Queue.App.NewTenantAsync()).ClientAsync(SystemRoles.Doctor);
        Assert.Empty(await (await other.GetAsync("/api/v1/diagnosis-codes?q=U09")).ItemsAsync());
    }

    [Fact]
    public async Task Lists_reports_the_patient_portal_other_hospitals_and_confidential_patients()
    {
        var c = await Clinic.CreateAsync();
        var person = PatientKit.Person(first: "Olu", last: "Visitor" + Guid.NewGuid().ToString("N")[..6]);
        var registered = await PatientKit.RegisterAsync(c.Queue.Desk, person);
        var visit = await c.StartAsync(new { patientId = registered.Id(), chiefComplaint = "Headache" });
        await (await c.Doctor.PostAsJsonAsync($"/api/v1/visits/{visit.Id()}/diagnoses", new { code = "G44.209", text = "Tension-type headache", kind = "PRIMARY" }))
            .EnsureStatusAsync(HttpStatusCode.Created);

        var mine = await (await c.Doctor.GetAsync("/api/v1/visits?doctorId=me&status=IN_PROGRESS")).ItemsAsync();
        var row = Assert.Single(mine)!;
        Assert.Equal("G44.209 Tension-type headache", row.Str("primaryDiagnosis"));
        Assert.Single(await (await c.Nurse.GetAsync($"/api/v1/visits?patientId={registered.Id()}")).ItemsAsync());
        var csv = await (await c.Admin.GetAsync("/api/v1/reports/visit-history?format=csv")).Content.ReadAsStringAsync();
        Assert.Contains(registered.Str("patientCode"), csv);
        Assert.Contains("Tension-type headache", csv);
        await (await c.Nurse.GetAsync("/api/v1/reports/visit-history")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        // Another hospital: 404 on the visit, nothing in its list.
        var other = await (await c.Queue.App.NewTenantAsync()).ClientAsync(SystemRoles.Doctor);
        await (await other.GetAsync($"/api/v1/visits/{visit.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"/api/v1/visits/{visit.Id()}/complete", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await other.GetAsync("/api/v1/visits")).ItemsAsync());

        // Confidential: the visit's doctor is on the care team through it; a nurse outside it is refused and sees the list restricted.
        await (await c.Doctor.PatchAsJsonAsync($"/api/v1/patients/{registered.Id()}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await c.Doctor.GetAsync($"/api/v1/visits/{visit.Id()}")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await c.Nurse.GetAsync($"/api/v1/visits/{visit.Id()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        var restricted = Assert.Single(await (await c.Nurse.GetAsync($"/api/v1/visits?patientId={registered.Id()}")).ItemsAsync())!;
        Assert.True(restricted["restricted"]!.GetValue<bool>());
        Assert.Null(restricted["chiefComplaint"]);
        Assert.Null(restricted["primaryDiagnosis"]);
    }

    [Fact]
    public async Task A_portal_patient_reads_their_own_visits_and_vitals_and_changes_nothing()
    {
        var c = await Clinic.CreateAsync();
        var me = await PatientKit.RegisterAsync(c.Queue.Desk, PatientKit.Person());
        var other = await PatientKit.RegisterAsync(c.Queue.Desk, PatientKit.Person());
        var mine = await c.StartAsync(new { patientId = me.Id() });
        var theirs = await c.StartAsync(new { patientId = other.Id() });
        await (await c.Nurse.PostAsJsonAsync($"/api/v1/patients/{me.Id()}/vitals", new { pulsePerMin = 72 })).EnsureStatusAsync(HttpStatusCode.Created);
        var email = me.Str("email");
        using var patient = await PatientKit.PortalClientAsync(c.Queue.App, c.Queue.Desk, me.Id(), email);

        Assert.Equal(mine.Id(), Assert.Single(await (await patient.GetAsync("/api/v1/visits")).ItemsAsync())!.Id());
        var read = await (await patient.GetAsync($"/api/v1/visits/{mine.Id()}")).JsonAsync();
        Assert.Null(read["startedBy"]);
        await (await patient.GetAsync($"/api/v1/visits/{theirs.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Single(await (await patient.GetAsync($"/api/v1/patients/{me.Id()}/vitals")).ItemsAsync());
        await (await patient.PostAsJsonAsync($"/api/v1/patients/{me.Id()}/vitals", new { pulsePerMin = 60 })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.PostAsJsonAsync("/api/v1/visits", new { patientId = me.Id() })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await patient.PostAsync($"/api/v1/visits/{mine.Id()}/complete", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }
}
