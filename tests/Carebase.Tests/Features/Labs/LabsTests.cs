using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Messaging;
using Carebase.Tests.Features.Documents;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Labs;

/// <summary>One hospital for the class: a doctor, two lab technicians, the front desk, and a small catalog.</summary>
public sealed class LabsFixture : IAsyncLifetime
{
    public CarebaseApp App { get; private set; } = null!;
    public TestTenant Tenant { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Doctor { get; private set; } = null!;
    public Guid DoctorUserId { get; private set; }
    public HttpClient Tech { get; private set; } = null!;
    public HttpClient OtherTech { get; private set; } = null!;
    public HttpClient Nurse { get; private set; } = null!;
    public Guid Hemoglobin { get; private set; }
    public Guid Nitrite { get; private set; }
    public Guid Potassium { get; private set; }
    public Guid Panel { get; private set; }

    public async Task InitializeAsync()
    {
        App = await CarebaseApp.Shared();
        Tenant = await App.NewTenantAsync("lab");
        Admin = await Tenant.AdminAsync();
        (Doctor, DoctorUserId, _) = await DoctorsApi.SignedInDoctorAsync(Admin, Tenant);
        Tech = await Tenant.ClientAsync(SystemRoles.LabTechnician);
        OtherTech = await Tenant.ClientAsync(SystemRoles.LabTechnician);
        Nurse = await Tenant.ClientAsync(SystemRoles.Nurse);
        Hemoglobin = (await TestAsync(new
        {
            code = "HGB", loinc = "718-7", name = "Hemoglobin", specimen = "WHOLE_BLOOD", resultKind = "NUMERIC", unit = "g/dL", price = 4.50m,
            turnaroundHours = 4, criticalLow = 7.0m, criticalHigh = 20.0m,
            ranges = new object[]
            {
                new { ageFromDays = 0, ageToDays = 6570, low = 11.0m, high = 14.5m },
                new { sex = "MALE", ageFromDays = 6570, low = 13.5m, high = 17.5m },
                new { sex = "FEMALE", ageFromDays = 6570, low = 12.0m, high = 15.5m },
            },
        })).Id();
        Nitrite = (await TestAsync(new
        {
            code = "UNIT", loinc = "5802-4", name = "Nitrite, urine", specimen = "URINE", resultKind = "CODED", price = 1.25m, turnaroundHours = 2,
            codedValues = new[] { "NEGATIVE", "POSITIVE" }, normalValues = new[] { "NEGATIVE" },
        })).Id();
        Potassium = (await TestAsync(new
        {
            code = "K", loinc = "2823-3", name = "Potassium", specimen = "SERUM", resultKind = "NUMERIC", unit = "mmol/L", price = 3.10m,
            turnaroundHours = 4, criticalLow = 2.5m, criticalHigh = 6.5m, ranges = new[] { new { low = 3.5m, high = 5.1m } },
        })).Id();
        Panel = (await (await Admin.PostAsJsonAsync("/api/v1/lab-panels", new { code = "MINI", name = "Mini panel", testIds = new[] { Hemoglobin, Potassium } }))
            .JsonAsync(HttpStatusCode.Created)).Id();
    }

    async Task<JsonObject> TestAsync(object body) => await (await Admin.PostAsJsonAsync("/api/v1/lab-tests", body)).JsonAsync(HttpStatusCode.Created);

    /// <summary>A patient, an adult born on a random day unless told (so no two look like duplicates).</summary>
    public async Task<JsonObject> PatientAsync(string gender = "FEMALE", string? dob = null) =>
        await PatientKit.RegisterAsync(Admin, PatientKit.Person(gender: gender,
            dob: dob ?? new DateOnly(1940, 1, 1).AddDays(Random.Shared.Next(0, 20000)).ToString("yyyy-MM-dd")));

    public async Task<JsonObject> OrderAsync(Guid patient, string priority = "ROUTINE", Guid[]? tests = null, Guid[]? panels = null) =>
        await (await Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { patientId = patient, testIds = tests ?? [Hemoglobin], panelIds = panels, priority }))
            .JsonAsync(HttpStatusCode.Created);

    public async Task<JsonObject> CollectedAsync(Guid patient, Guid[]? tests = null)
    {
        var order = await OrderAsync(patient, tests: tests);
        return await (await Tech.PostAsJsonAsync($"/api/v1/lab-orders/{order.Id()}/collect", new { specimenId = "S-" + Guid.NewGuid().ToString("N")[..8] })).JsonAsync();
    }

    public static Guid Item(JsonObject order, int i = 0) => order["items"]![i]!.Id();

    public Task<HttpResponseMessage> ResultsAsync(HttpClient who, JsonObject order, params object[] items) =>
        who.PostAsJsonAsync($"/api/v1/lab-orders/{order.Id()}/results", new { items });

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Lab orders through the real pipeline: workflow, ranges and flags, notifications, corrections, the portal, access.</summary>
public sealed class LabsTests(LabsFixture f) : IClassFixture<LabsFixture>
{
    [Fact]
    public async Task An_order_is_collected_resulted_and_verified_by_a_second_person_and_the_patient_then_sees_it()
    {
        var patient = await f.PatientAsync();
        var ordered = await f.OrderAsync(patient.Id(), panels: [f.Panel], tests: [f.Potassium, f.Nitrite]);
        Assert.Equal("ORDERED", ordered.Str("status"));
        // The panel expands into its tests, a test named twice is ordered once, prices are captured.
        Assert.Equal(["HGB", "K", "UNIT"], ordered["items"]!.AsArray().Select(i => i!.Str("testCode")));
        Assert.Equal(8.85m, ordered["totalPrice"]!.GetValue<decimal>());
        await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-orders/{ordered.Id()}/results", new { items = new[] { new { itemId = LabsFixture.Item(ordered), value = 13 } } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "invalid_status");

        var order = await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-orders/{ordered.Id()}/collect", new { specimenId = "TUBE-1" })).JsonAsync();
        Assert.Equal("SAMPLE_COLLECTED", order.Str("status"));
        // Partial results keep it collected; the last one makes it RESULTED.
        order = await (await f.ResultsAsync(f.Tech, order, new { itemId = LabsFixture.Item(order, 0), value = 11.9m })).JsonAsync();
        Assert.Equal("SAMPLE_COLLECTED", order.Str("status"));
        var hgb = order["items"]![0]!["results"]![0]!;
        Assert.Equal(["LOW"], hgb["flags"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(12.0m, hgb["range"]!["low"]!.GetValue<decimal>()); // the adult female range
        Assert.Equal("g/dL", hgb.Str("unit"));
        await (await f.ResultsAsync(f.Tech, order, new { itemId = LabsFixture.Item(order, 0), value = 12m }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await f.ResultsAsync(f.Tech, order, new { itemId = LabsFixture.Item(order, 2), valueCode = "MAYBE" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        order = await (await f.ResultsAsync(f.OtherTech, order,
            new { itemId = LabsFixture.Item(order, 1), value = 4.2m, comment = "slightly haemolysed" },
            new { itemId = LabsFixture.Item(order, 2), valueCode = "positive" })).JsonAsync();
        Assert.Equal("RESULTED", order.Str("status"));
        Assert.Equal(["ABNORMAL"], order["items"]![2]!["results"]![0]!["flags"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Empty(order["items"]![1]!["results"]![0]!["flags"]!.AsArray());

        // Each technician entered a result: neither may verify; the doctor (labs:verify, entered nothing) does.
        await (await f.Tech.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "same_person");
        await (await f.OtherTech.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "same_person");
        await (await f.Nurse.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var verified = await (await f.Doctor.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).JsonAsync();
        Assert.Equal("VERIFIED", verified.Str("status"));
        Assert.All(verified["items"]!.AsArray(), i => Assert.NotNull(i!["results"]![0]!["verifiedAt"]));
        await (await f.Doctor.PostAsJsonAsync($"/api/v1/lab-orders/{order.Id()}/cancel", new { reason = "late" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "results_exist");

        // The database refuses a verifier who entered the result, whatever the code does.
        var entered = Guid.Parse(order["items"]![0]!["results"]![0]!.Str("id"));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => f.App.WithDbAsync(db =>
            db.Database.ExecuteSqlAsync($"UPDATE lab_results SET verified_by = entered_by, verified_at = now() WHERE id = {entered}"), f.Tenant));
        Assert.Contains("lab_results_verifier_check", refused.Message);

        // The timeline shows the verified order.
        var timeline = await (await f.Doctor.GetAsync($"/api/v1/patients/{patient.Id()}/timeline?types=LAB_RESULT")).ItemsAsync();
        Assert.Contains("Hemoglobin", Assert.Single(timeline)!.Str("title"));
    }

    [Fact]
    public async Task A_critical_value_queues_an_email_to_the_ordering_doctor_in_the_same_transaction()
    {
        var patient = await f.PatientAsync(gender: "MALE");
        var order = await f.CollectedAsync(patient.Id(), [f.Hemoglobin, f.Potassium]);
        order = await (await f.ResultsAsync(f.Tech, order, new { itemId = LabsFixture.Item(order, 0), value = 7.0m },
            new { itemId = LabsFixture.Item(order, 1), value = 6.5m })).JsonAsync();
        Assert.Equal(["CRITICAL_LOW"], order["items"]![0]!["results"]![0]!["flags"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(["CRITICAL_HIGH"], order["items"]![1]!["results"]![0]!["flags"]!.AsArray().Select(x => x!.GetValue<string>()));
        var mails = await MailsAsync("lab-critical-result", patient.Str("patientCode"));
        var mail = Assert.Single(mails);
        Assert.Equal(await EmailOfAsync(f.DoctorUserId), mail.Recipient);
        Assert.Contains("Hemoglobin", mail.Body);
        Assert.Contains("Potassium", mail.Body);

        // A refused request queues nothing.
        var other = await f.CollectedAsync((await f.PatientAsync()).Id());
        await (await f.ResultsAsync(f.Tech, other, new { itemId = LabsFixture.Item(other), value = 3m }, new { itemId = Guid.NewGuid(), value = 1m }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Empty(await MailsAsync("lab-critical-result", (await (await f.Doctor.GetAsync($"/api/v1/lab-orders/{other.Id()}")).JsonAsync()).Str("patientCode")));
    }

    [Fact]
    public async Task Ranges_follow_the_patients_sex_and_age_and_a_result_keeps_its_range_after_the_catalog_changes()
    {
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var child = await f.PatientAsync(gender: "MALE", dob: today.AddYears(-5).ToString("yyyy-MM-dd"));
        var man = await f.PatientAsync(gender: "MALE");
        var childOrder = await f.CollectedAsync(child.Id());
        var manOrder = await f.CollectedAsync(man.Id());
        var a = (await (await f.ResultsAsync(f.Tech, childOrder, new { itemId = LabsFixture.Item(childOrder), value = 13.0m })).JsonAsync())["items"]![0]!["results"]![0]!;
        var b = (await (await f.ResultsAsync(f.Tech, manOrder, new { itemId = LabsFixture.Item(manOrder), value = 13.0m })).JsonAsync())["items"]![0]!["results"]![0]!;
        Assert.Equal(11.0m, a["range"]!["low"]!.GetValue<decimal>());
        Assert.Empty(a["flags"]!.AsArray());
        Assert.Equal(13.5m, b["range"]!["low"]!.GetValue<decimal>());
        Assert.Equal("LOW", b["flags"]![0]!.GetValue<string>());

        // A new catalog test with different ranges changes no recorded result.
        var test = await (await f.Admin.PostAsJsonAsync("/api/v1/lab-tests", new
        {
            code = "GLU" + Random.Shared.Next(1000), name = "Glucose", specimen = "PLASMA", resultKind = "NUMERIC", unit = "mg/dL", price = 2m,
            turnaroundHours = 2, ranges = new[] { new { low = 70m, high = 99m } },
        })).JsonAsync(HttpStatusCode.Created);
        var order = await f.CollectedAsync(man.Id(), [test.Id()]);
        await (await f.ResultsAsync(f.Tech, order, new { itemId = LabsFixture.Item(order), value = 99m })).EnsureStatusAsync(HttpStatusCode.OK);
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/lab-tests/{test.Id()}") { Content = JsonContent.Create(new { ranges = new[] { new { low = 60m, high = 90m } } }) };
        patch.Headers.IfMatch.Add((await f.Admin.GetAsync($"/api/v1/lab-tests/{test.Id()}")).Headers.ETag!);
        Assert.Equal(60m, (await (await f.Admin.SendAsync(patch)).JsonAsync())["ranges"]![0]!["low"]!.GetValue<decimal>());
        var kept = (await (await f.Tech.GetAsync($"/api/v1/lab-orders/{order.Id()}")).JsonAsync())["items"]![0]!["results"]![0]!;
        Assert.Equal(99m, kept["range"]!["high"]!.GetValue<decimal>());
        Assert.Empty(kept["flags"]!.AsArray());
    }

    [Fact]
    public async Task A_correction_keeps_the_original_and_needs_verification_again_while_the_portal_sees_only_verified_values()
    {
        var patient = await f.PatientAsync();
        var order = await f.CollectedAsync(patient.Id());
        order = await (await f.ResultsAsync(f.Tech, order, new { itemId = LabsFixture.Item(order), value = 13.1m })).JsonAsync();
        using var portal = await PatientKit.PortalClientAsync(f.App, f.Admin, patient.Id(), patient.Str("email"));
        // Not verified yet: the portal sees no order at all.
        Assert.Empty(await (await portal.GetAsync("/api/v1/lab-orders")).ItemsAsync());
        await (await portal.GetAsync($"/api/v1/lab-orders/{order.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await (await f.OtherTech.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("lab-result-ready", (await f.App.Mail.WaitForAsync(patient.Str("email"), "lab-result-ready")).Kind);
        var original = order["items"]![0]!["results"]![0]!.Str("id");
        var corrected = await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-results/{original}/correct", new { value = 9.4m, reason = "Wrong tube scanned" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal("FINAL", corrected.Str("status"));
        Assert.Null(corrected["verifiedAt"]);
        await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-results/{original}/correct", new { value = 9.5m, reason = "again" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_corrected");

        var staff = await (await f.Doctor.GetAsync($"/api/v1/lab-orders/{order.Id()}")).JsonAsync();
        Assert.Equal("RESULTED", staff.Str("status"));
        var results = staff["items"]![0]!["results"]!.AsArray();
        Assert.Equal(["FINAL", "CORRECTED"], results.Select(r => r!.Str("status")));
        Assert.Equal(13.1m, results[1]!["value"]!.GetValue<decimal>());
        Assert.Equal(corrected.Str("id"), results[1]!.Str("correctedByResultId"));
        Assert.Equal("Wrong tube scanned", results[1]!.Str("correctionReason"));

        // The portal: the order (verified once) with the verified original only, no staff fields, until the correction is verified.
        var mine = await (await portal.GetAsync($"/api/v1/lab-orders/{order.Id()}")).JsonAsync();
        var seen = Assert.Single(mine["items"]![0]!["results"]!.AsArray())!;
        Assert.Equal("CORRECTED", seen.Str("status"));
        Assert.Null(seen["enteredBy"]);
        Assert.Null(mine["clinicalNote"]);
        Assert.Single(await (await portal.GetAsync("/api/v1/lab-orders")).ItemsAsync());
        await (await f.Tech.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "same_person");
        await (await f.OtherTech.PostAsync($"/api/v1/lab-orders/{order.Id()}/verify", null)).EnsureStatusAsync(HttpStatusCode.OK);
        mine = await (await portal.GetAsync($"/api/v1/lab-orders/{order.Id()}")).JsonAsync();
        Assert.Equal(["FINAL", "CORRECTED"], mine["items"]![0]!["results"]!.AsArray().Select(r => r!.Str("status")));
        await (await portal.PostAsJsonAsync("/api/v1/lab-orders", new { patientId = patient.Id(), testIds = new[] { f.Hemoglobin }, priority = "ROUTINE" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_worklist_puts_stat_first_then_the_oldest_and_cancelling_needs_no_results()
    {
        var patient = (await f.PatientAsync()).Id();
        var routine = await f.OrderAsync(patient);
        var stat = await f.OrderAsync(patient, "STAT");
        var urgent = await f.OrderAsync(patient, "URGENT");
        var list = await (await f.Tech.GetAsync($"/api/v1/lab-orders?status=ORDERED&patientId={patient}")).ItemsAsync();
        Assert.Equal([stat.Id(), urgent.Id(), routine.Id()], list.Select(o => o!.Id()));
        Assert.Equal([stat.Id()], (await (await f.Tech.GetAsync($"/api/v1/lab-orders?priority=STAT&patientId={patient}")).ItemsAsync()).Select(o => o!.Id()));

        await (await f.Doctor.PostAsJsonAsync($"/api/v1/lab-orders/{routine.Id()}/cancel", new { reason = "" })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var cancelled = await (await f.Doctor.PostAsJsonAsync($"/api/v1/lab-orders/{routine.Id()}/cancel", new { reason = "Duplicate order" })).JsonAsync();
        Assert.Equal("CANCELLED", cancelled.Str("status"));
        Assert.Equal(0m, cancelled["totalPrice"]!.GetValue<decimal>());
        await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-orders/{routine.Id()}/collect", new { specimenId = "X" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        // A stale If-Match is 412.
        var collect = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/lab-orders/{stat.Id()}/collect") { Content = JsonContent.Create(new { specimenId = "S" }) };
        collect.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"9\""));
        await (await f.Tech.SendAsync(collect)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Orders_for_a_visit_need_it_open_and_files_are_attached_and_read_back()
    {
        var patient = (await f.PatientAsync()).Id();
        var visit = await (await f.Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient })).JsonAsync(HttpStatusCode.Created);
        var order = await (await f.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { visitId = visit.Id(), testIds = new[] { f.Nitrite }, priority = "URGENT" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(visit.Id(), order["visitId"]!.GetValue<Guid>());
        await (await f.Doctor.PostAsync($"/api/v1/visits/{visit.Id()}/complete", null)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await f.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { visitId = visit.Id(), testIds = new[] { f.Nitrite }, priority = "URGENT" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");
        await (await f.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { visitId = visit.Id(), patientId = patient, testIds = new[] { f.Nitrite }, priority = "URGENT" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        var url = $"/api/v1/lab-orders/{order.Id()}/attachments";
        await (await f.Tech.PostAsync(url, DocumentsKit.Form(DocumentsKit.Pdf, title: null, category: null))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invalid_status");
        await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-orders/{order.Id()}/collect", new { specimenId = "U-1" })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await f.Tech.PostAsync(url, DocumentsKit.Form("#!/bin/sh\necho hi"u8.ToArray(), title: null, category: null)))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_file_type");
        var attached = await (await f.Tech.PostAsync(url, DocumentsKit.Form(DocumentsKit.Pdf, title: null, category: null))).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(DocumentsKit.Sha256(DocumentsKit.Pdf), attached.Str("sha256"));
        var content = await f.Doctor.GetAsync($"{url}/{attached.Id()}/content");
        Assert.Equal(DocumentsKit.Pdf, await content.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", content.Content.Headers.ContentType!.MediaType);
        Assert.Single((await (await f.Doctor.GetAsync($"/api/v1/lab-orders/{order.Id()}")).JsonAsync())["attachments"]!.AsArray());
    }

    [Fact]
    public async Task Another_hospital_gets_404_and_a_confidential_patient_403_break_glass_required()
    {
        var patient = await f.PatientAsync();
        var order = await f.OrderAsync(patient.Id());
        var other = await (await f.App.NewTenantAsync()).ClientAsync(SystemRoles.Doctor);
        await (await other.GetAsync($"/api/v1/lab-orders/{order.Id()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync($"/api/v1/lab-orders/{order.Id()}/cancel", new { reason = "x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/lab-tests/{f.Hemoglobin}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await (await other.GetAsync("/api/v1/lab-orders")).ItemsAsync());

        await (await f.Admin.PatchAsJsonAsync($"/api/v1/patients/{patient.Id()}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        await (await f.Tech.GetAsync($"/api/v1/lab-orders/{order.Id()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await f.Tech.PostAsJsonAsync($"/api/v1/lab-orders/{order.Id()}/collect", new { specimenId = "S" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        var row = Assert.Single(await (await f.Tech.GetAsync($"/api/v1/lab-orders?patientId={patient.Id()}")).ItemsAsync())!;
        Assert.True(row["restricted"]!.GetValue<bool>());
        Assert.Empty(row["tests"]!.AsArray());
    }

    async Task<List<OutboxMessage>> MailsAsync(string kind, string patientCode) => await f.App.WithDbAsync(db =>
        db.Set<OutboxMessage>().Where(m => m.TenantId == f.Tenant.Id && m.Kind == kind && m.Subject.Contains(patientCode)).ToListAsync());

    async Task<string> EmailOfAsync(Guid userId) => await f.App.WithDbAsync(db => db.Users.Where(u => u.Id == userId).Select(u => u.Email!).SingleAsync());
}
