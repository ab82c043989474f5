using System.Text.Json.Nodes;
using Carebase.Tests.Features.Patients;
using UglyToad.PdfPig;

namespace Carebase.Tests.Features.Admissions;

/// <summary>Wards, beds, admit, transfer, discharge (bed-days billed by both rules, across a DST change), the PDF, timeline, summary, care team, gates.</summary>
public sealed class AdmissionsTests
{
    [Fact]
    public async Task Admitting_makes_the_patient_IPD_occupies_the_bed_and_puts_the_primary_doctor_on_the_care_team()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(2);
        var patient = await k.PatientAsync();

        var admission = await k.AdmittedAsync(patient, beds[0]);
        Assert.Equal("ACTIVE", admission.Str("status"));
        Assert.Equal(k.DepartmentId, admission.IdAt("departmentId"));
        Assert.Equal(beds[0], admission.IdAt("bedId"));
        Assert.Equal("B01", admission.Str("bedCode"));
        Assert.Equal("J18.9", admission.Str("admittingDiagnosisCode"));
        Assert.Single(admission["beds"]!.AsArray());
        Assert.Equal("OCCUPIED", await k.BedStatusAsync(ward, beds[0]));
        Assert.Equal("IPD", await k.PatientTypeAsync(patient));

        var team = (await (await k.Admin.GetAsync($"/api/v1/patients/{patient}/care-team")).JsonAsync())["items"]!.AsArray();
        Assert.Contains(team, m => m!.IdAt("userId") == k.DoctorUserId && m!.Str("source") == "ADMISSION" && m!.Str("role") == "PRIMARY_DOCTOR");

        // The list is the front desk's, without the diagnosis; the whole admission is clinical.
        var list = (await (await k.Desk.GetAsync($"/api/v1/admissions?patientId={patient}")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(admission.IdAt("id"), Assert.Single(list)!.IdAt("id"));
        Assert.Null(list[0]!["admittingDiagnosis"]);
        await (await k.Desk.GetAsync($"/api/v1/admissions/{admission.IdAt("id")}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var read = await (await k.Nurse.GetAsync($"/api/v1/admissions/{admission.IdAt("id")}")).JsonAsync();
        Assert.Equal("Community-acquired pneumonia", read.Str("admittingDiagnosis"));
    }

    [Fact]
    public async Task Bad_input_is_422_with_the_field_and_unknown_references_are_404()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var body = await (await k.Doctor.PostAsJsonAsync("/api/v1/admissions", new { patientId = patient, source = "WALK_IN", admittingDiagnosis = "" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = body["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("source") && errors.ContainsKey("primaryDoctorId") && errors.ContainsKey("admittingDiagnosis"), body.ToJsonString());
        await (await k.Doctor.PostAsJsonAsync("/api/v1/admissions", new
        {
            patientId = patient, source = "VISIT", primaryDoctorId = k.DoctorId, admittingDiagnosis = "x", admittingDiagnosisCode = "nonsense",
        })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await k.AdmitAsync(patient, admittedAt: DateTimeOffset.UtcNow.AddDays(1))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await k.AdmitAsync(patient, bedId: Guid.NewGuid())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await k.AdmitAsync(Guid.NewGuid())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await k.Admin.PostAsJsonAsync("/api/v1/wards", new { name = "W", type = "SPA", dailyCharge = -1 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        // Nothing was admitted by any of these.
        Assert.Equal("OPD", await k.PatientTypeAsync(patient));
    }

    [Fact]
    public async Task Beds_in_use_are_neither_deleted_nor_taken_out_of_service_and_codes_are_unique_in_a_ward()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(2);
        await (await k.Admin.PostAsJsonAsync($"/api/v1/wards/{ward}/beds", new { code = "b01" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_code_taken");
        await k.AdmittedAsync(await k.PatientAsync(), beds[0]);

        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/wards/{ward}/beds/{beds[0]}") { Content = JsonContent.Create(new { status = "OUT_OF_SERVICE" }) };
        await (await k.Admin.SendAsync(patch)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_in_use");
        await (await k.Admin.DeleteAsync($"/api/v1/wards/{ward}/beds/{beds[0]}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_in_use");
        await (await k.Admin.DeleteAsync($"/api/v1/wards/{ward}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "ward_in_use");
        Assert.Equal("OCCUPIED", await k.BedStatusAsync(ward, beds[0]));
        // A free bed may go out of service (and nobody is admitted into it), and one never used may be deleted.
        var oos = await (await k.Admin.PatchAsJsonAsync($"/api/v1/wards/{ward}/beds/{beds[1]}", new { status = "OUT_OF_SERVICE" })).JsonAsync();
        Assert.Equal("OUT_OF_SERVICE", oos.Str("status"));
        await (await k.AdmitAsync(await k.PatientAsync(), beds[1])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_not_available");
        await (await k.Admin.PatchAsJsonAsync($"/api/v1/wards/{ward}/beds/{beds[1]}", new { status = "OCCUPIED" })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await k.Admin.DeleteAsync($"/api/v1/wards/{ward}/beds/{beds[1]}")).EnsureStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_transfer_moves_bed_department_and_doctor_at_once_the_old_bed_waits_for_cleaning_and_the_history_keeps_every_bed()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(2, dailyCharge: 80m);
        var icu = (await k.WardAsync(400m, "ICU")).Id();
        var icuBed = await k.BedAsync(icu, "ICU-1");
        var admission = (await k.AdmittedAsync(await k.PatientAsync(), beds[0])).IdAt("id");
        var other = await (await k.Admin.PostAsJsonAsync("/api/v1/departments", new { name = "Critical Care " + Guid.NewGuid().ToString("N")[..6], isPatientFacing = false }))
            .JsonAsync(HttpStatusCode.Created);

        var moved = await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { bedId = icuBed, departmentId = other.Id(), reason = "Needs ventilation" }))
            .JsonAsync();
        Assert.Equal(icuBed, moved.IdAt("bedId"));
        Assert.Equal(other.Id(), moved.IdAt("departmentId"));
        var stays = moved["beds"]!.AsArray();
        Assert.Equal(2, stays.Count);
        Assert.Equal(beds[0], stays[0]!.IdAt("bedId"));
        Assert.Equal(stays[0]!["endedAt"]!.GetValue<DateTimeOffset>(), stays[1]!["startedAt"]!.GetValue<DateTimeOffset>());
        Assert.Null(stays[1]!["endedAt"]);
        Assert.Equal(400m, stays[1]!["dailyCharge"]!.GetValue<decimal>());
        Assert.Equal("TRANSFER", stays[1]!.Str("reason"));
        Assert.Equal("CLEANING", await k.BedStatusAsync(ward, beds[0]));
        Assert.Equal("OCCUPIED", await k.BedStatusAsync(icu, icuBed));

        // The cleaned bed comes back through the nurse; a bed that is not cleaning cannot be "readied".
        Assert.Equal("AVAILABLE", (await (await k.Nurse.PostAsync($"/api/v1/beds/{beds[0]}/ready", null)).JsonAsync()).Str("status"));
        await (await k.Nurse.PostAsync($"/api/v1/beds/{beds[0]}/ready", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_not_cleaning");
        await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { bedId = icuBed }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_transfer_into_an_occupied_bed_is_409_and_changes_nothing()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(2);
        var first = (await k.AdmittedAsync(await k.PatientAsync(), beds[0])).IdAt("id");
        await k.AdmittedAsync(await k.PatientAsync(), beds[1]);
        var other = await (await k.Admin.PostAsJsonAsync("/api/v1/departments", new { name = "Surgery " + Guid.NewGuid().ToString("N")[..6], isPatientFacing = true }))
            .JsonAsync(HttpStatusCode.Created);
        var before = await (await k.Doctor.GetAsync($"/api/v1/admissions/{first}")).JsonAsync();

        await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{first}/transfer", new { bedId = beds[1], departmentId = other.Id() }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "bed_occupied");

        var after = await (await k.Doctor.GetAsync($"/api/v1/admissions/{first}")).JsonAsync();
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Equal("OCCUPIED", await k.BedStatusAsync(ward, beds[0]));
        Assert.Equal("OCCUPIED", await k.BedStatusAsync(ward, beds[1]));
    }

    [Theory]
    [InlineData("MIDNIGHTS", 2, 2)]
    [InlineData("CALENDAR_DAYS", 3, 2)]
    public async Task Discharge_frees_the_bed_makes_the_patient_OPD_and_bills_bed_days_by_the_rule_across_a_DST_change(string rule, int days, int midnights)
    {
        // New York moved its clocks forward on 8 March 2026 (02:00 → 03:00): 7 March 22:00 to 9 March 08:00 local is 33 hours,
        // two midnights and three calendar days.
        var k = await AdmissionsKit.CreateAsync("America/New_York");
        await k.SetBedDayRuleAsync(rule);
        var (ward, beds) = await k.WardWithBedsAsync(1, dailyCharge: 120.50m);
        var patient = await k.PatientAsync();
        var admittedAt = DateTimeOffset.Parse("2026-03-07T22:00:00-05:00");
        var admission = (await k.AdmittedAsync(patient, beds[0], admittedAt)).IdAt("id");

        var discharged = await (await k.DischargeAsync(admission, DateTimeOffset.Parse("2026-03-09T08:00:00-04:00"))).JsonAsync();
        Assert.Equal("DISCHARGED", discharged.Str("status"));
        Assert.Equal("HOME", discharged.Str("disposition"));
        Assert.Equal(midnights, discharged["lengthOfStayDays"]!.GetValue<int>());
        Assert.Null(discharged["bedId"]);
        Assert.Equal("IMPROVED", discharged["dischargeSummary"]!.Str("conditionAtDischarge"));
        Assert.Equal("CLEANING", await k.BedStatusAsync(ward, beds[0]));
        Assert.Equal("OPD", await k.PatientTypeAsync(patient));

        var invoice = await (await k.Admin.GetAsync($"/api/v1/invoices/{discharged.IdAt("invoiceId")}")).JsonAsync();
        Assert.Equal("DRAFT", invoice.Str("status"));
        Assert.Equal(admission, invoice.IdAt("admissionId"));
        var line = Assert.Single(invoice["lines"]!.AsArray())!;
        Assert.Equal("BED", line.Str("kind"));
        Assert.Equal(days, line["quantity"]!.GetValue<decimal>());
        Assert.Equal(120.50m, line["unitPrice"]!.GetValue<decimal>());
        Assert.Equal(days * 120.50m, invoice["total"]!.GetValue<decimal>());

        // Discharged once: the second is 409 and bills nothing more.
        await (await k.DischargeAsync(admission)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
        await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { bedId = beds[0] }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
        Assert.Single((await (await k.Admin.GetAsync($"/api/v1/invoices/{discharged.IdAt("invoiceId")}")).JsonAsync())["lines"]!.AsArray());
    }

    [Fact]
    public async Task Bed_days_after_a_transfer_are_charged_to_each_ward_at_its_rate()
    {
        var k = await AdmissionsKit.CreateAsync("Europe/London");
        await k.SetBedDayRuleAsync("MIDNIGHTS");
        var (_, general) = await k.WardWithBedsAsync(1, dailyCharge: 100m);
        var icu = (await k.WardAsync(500m, "ICU")).Id();
        var icuBed = await k.BedAsync(icu);
        var admittedAt = DateTimeOffset.UtcNow.AddDays(-3).AddHours(-2);
        var admission = (await k.AdmittedAsync(await k.PatientAsync(), general[0], admittedAt)).IdAt("id");
        var moved = await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { bedId = icuBed })).JsonAsync();
        var discharged = await (await k.DischargeAsync(admission)).JsonAsync();

        var invoice = await (await k.Admin.GetAsync($"/api/v1/invoices/{discharged.IdAt("invoiceId")}")).JsonAsync();
        var lines = invoice["lines"]!.AsArray();
        var midnights = discharged["lengthOfStayDays"]!.GetValue<int>();
        // Every midnight was spent in the general ward (the transfer was just now); the ICU stay had none, so no ICU line.
        Assert.Equal(midnights, lines.Where(l => l!["unitPrice"]!.GetValue<decimal>() == 100m).Sum(l => l!["quantity"]!.GetValue<decimal>()));
        Assert.DoesNotContain(lines, l => l!["unitPrice"]!.GetValue<decimal>() == 500m);
        Assert.Equal(2, moved["beds"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_discharge_summary_prints_as_a_PDF_and_shows_in_the_timeline_while_the_summary_shows_the_current_admission()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (_, beds) = await k.WardWithBedsAsync(1);
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient, beds[0], DateTimeOffset.UtcNow.AddDays(-2))).IdAt("id");

        var summary = await (await k.Doctor.GetAsync($"/api/v1/patients/{patient}/summary")).JsonAsync();
        Assert.Equal(admission, summary["currentAdmission"]!.IdAt("id"));
        Assert.Equal("B01", summary["currentAdmission"]!.Str("bed"));
        await (await k.Doctor.GetAsync($"/api/v1/admissions/{admission}/discharge-summary/pdf")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_discharged");

        await (await k.DischargeAsync(admission)).EnsureStatusAsync(HttpStatusCode.OK);
        var response = await k.Doctor.GetAsync($"/api/v1/admissions/{admission}/discharge-summary/pdf");
        await response.EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        using (var pdf = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync()))
        {
            var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            foreach (var expected in new[] { "Discharge", "summary", "J18.9", "Pneumonia,", "Amoxicillin", "Chest", "X-ray", "IMPROVED", "HOME", "B01", "chest", "clinic" })
                Assert.Contains(expected, text);
        }

        Assert.Null((await (await k.Doctor.GetAsync($"/api/v1/patients/{patient}/summary")).JsonAsync())["currentAdmission"]);
        var timeline = (await (await k.Doctor.GetAsync($"/api/v1/patients/{patient}/timeline?pageSize=50")).JsonAsync())["items"]!.AsArray();
        Assert.Equal("DISCHARGE", timeline[0]!.Str("type"));
        Assert.Contains("J18.9 Pneumonia", timeline[0]!.Str("title"));
        Assert.Contains(timeline, e => e!.Str("type") == "ADMISSION" && e!.IdAt("id") == admission);
        var onlyAdmissions = (await (await k.Doctor.GetAsync($"/api/v1/patients/{patient}/timeline?types=ADMISSION")).JsonAsync())["items"]!.AsArray();
        Assert.Single(onlyAdmissions);
    }

    [Fact]
    public async Task Another_hospitals_admissions_wards_and_beds_are_404()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (ward, beds) = await k.WardWithBedsAsync(1);
        var admission = (await k.AdmittedAsync(await k.PatientAsync(), beds[0])).IdAt("id");
        var other = await (await k.App.NewTenantAsync("ipdx")).AdminAsync();

        await (await other.GetAsync($"/api/v1/admissions/{admission}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync($"/api/v1/admissions/{admission}/discharge", AdmissionsKit.Summary())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { bedId = beds[0] })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/admissions/{admission}/discharge-summary/pdf")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/wards/{ward}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/wards/{ward}/beds")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"/api/v1/beds/{beds[0]}/ready", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await other.GetAsync("/api/v1/admissions")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task A_confidential_patient_is_403_break_glass_required_outside_the_care_team_and_restricted_in_lists()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (_, beds) = await k.WardWithBedsAsync(1);
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient, beds[0])).IdAt("id");
        await (await k.Doctor.PatchAsJsonAsync($"/api/v1/patients/{patient}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);

        // The primary doctor is on the care team through the admission; another doctor is not.
        await (await k.Doctor.GetAsync($"/api/v1/admissions/{admission}")).EnsureStatusAsync(HttpStatusCode.OK);
        var stranger = await k.Tenant.ClientAsync(Carebase.Api.Platform.Auth.SystemRoles.Doctor);
        await (await stranger.GetAsync($"/api/v1/admissions/{admission}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await stranger.PostAsJsonAsync($"/api/v1/admissions/{admission}/discharge", AdmissionsKit.Summary()))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        var other = await k.PatientAsync();
        await (await k.Doctor.PatchAsJsonAsync($"/api/v1/patients/{other}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await k.AdmitAsync(other, client: stranger)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");

        var row = Assert.Single((await (await k.Desk.GetAsync($"/api/v1/admissions?patientId={patient}")).JsonAsync())["items"]!.AsArray())!;
        Assert.True(row["restricted"]!.GetValue<bool>());
        var census = await (await k.Desk.GetAsync("/api/v1/wards/occupancy")).JsonAsync();
        Assert.True(census["wards"]!.AsArray().SelectMany(w => w!["patients"]!.AsArray()).Single(p => p!.IdAt("patientId") == patient)!["restricted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Merging_patients_moves_their_admissions_and_bed_history()
    {
        var k = await AdmissionsKit.CreateAsync();
        var (_, beds) = await k.WardWithBedsAsync(1);
        var survivor = await k.PatientAsync();
        var duplicate = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(duplicate, beds[0])).IdAt("id");

        var merged = await (await k.Admin.PostAsJsonAsync($"/api/v1/patients/{survivor}/merge", new { duplicateId = duplicate, reason = "Same person" })).JsonAsync();
        var moved = merged["movedRows"]!.AsObject();
        Assert.Equal(1, moved["admissions.patient_id"]!.GetValue<int>());
        Assert.Equal(1, moved["bed_assignments.patient_id"]!.GetValue<int>());
        Assert.Equal(survivor, (await (await k.Doctor.GetAsync($"/api/v1/admissions/{admission}")).JsonAsync()).IdAt("patientId"));
        // The survivor now holds the active admission: a second one is refused.
        await (await k.AdmitAsync(survivor)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_already_admitted");

        // Two records each with an active admission cannot be merged until one is discharged (409, nothing moved).
        var third = await k.PatientAsync();
        var thirds = (await k.AdmittedAsync(third)).IdAt("id");
        await (await k.Admin.PostAsJsonAsync($"/api/v1/patients/{survivor}/merge", new { duplicateId = third, reason = "Same person" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "merge_conflict");
        Assert.Equal(third, (await (await k.Doctor.GetAsync($"/api/v1/admissions/{thirds}")).JsonAsync()).IdAt("patientId"));
    }

    [Fact]
    public async Task The_care_team_follows_the_primary_doctor_through_a_transfer_and_ends_at_discharge()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient)).IdAt("id");
        var (userId, email) = await k.Tenant.CreateUserAsync(Carebase.Api.Platform.Auth.SystemRoles.Doctor);
        var other = await (await Doctors.DoctorsApi.PostDoctorAsync(k.Admin, Doctors.DoctorsApi.ProfileBody(userId, departmentId: k.DepartmentId)))
            .JsonAsync(HttpStatusCode.Created);

        var moved = await (await k.Doctor.PostAsJsonAsync($"/api/v1/admissions/{admission}/transfer", new { primaryDoctorId = Doctors.DoctorsApi.IdOf(other) })).JsonAsync();
        Assert.Equal(Doctors.DoctorsApi.IdOf(other), moved.IdAt("primaryDoctorId"));
        async Task<Guid[]> AdmissionTeam() => (await (await k.Admin.GetAsync($"/api/v1/patients/{patient}/care-team")).JsonAsync())["items"]!.AsArray()
            .Where(m => m!.Str("source") == "ADMISSION").Select(m => m!.IdAt("userId")).ToArray();
        Assert.Equal([userId], await AdmissionTeam());

        await (await k.DischargeAsync(admission)).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Empty(await AdmissionTeam());
    }

    [Fact]
    public async Task Ward_changes_honour_If_Match_and_names_are_unique_whatever_the_case()
    {
        var k = await AdmissionsKit.CreateAsync();
        var ward = await k.WardAsync(100m, name: "Ward Seven");
        await (await k.Admin.PostAsJsonAsync("/api/v1/wards", new { name = "ward seven", type = "GENERAL", dailyCharge = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "ward_name_taken");
        var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/wards/{ward.Id()}") { Content = JsonContent.Create(new { dailyCharge = 130.25m }) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"999\"");
        await (await k.Admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
        var fresh = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/wards/{ward.Id()}") { Content = JsonContent.Create(new { dailyCharge = 130.25m }) };
        fresh.Headers.TryAddWithoutValidation("If-Match", $"\"{ward["version"]}\"");
        Assert.Equal(130.25m, (await (await k.Admin.SendAsync(fresh)).JsonAsync())["dailyCharge"]!.GetValue<decimal>());
        await (await k.Admin.PatchAsJsonAsync($"/api/v1/wards/{ward.Id()}", new { dailyCharge = 1.2345m })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
