using System.Text.Json.Nodes;
using Carebase.Api.Features.Pharmacy;
using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Admissions;

/// <summary>Prescriptions and lab orders written for an admission (admissionId instead of visitId), and the admission's orders.</summary>
public sealed class AdmissionOrdersTests
{
    static async Task<Guid> LabTestAsync(AdmissionsKit k) =>
        (await (await k.Admin.PostAsJsonAsync("/api/v1/lab-tests", new
        {
            code = "K" + Guid.NewGuid().ToString("N")[..4].ToUpperInvariant(), loinc = "2823-3", name = "Potassium", specimen = "SERUM", resultKind = "NUMERIC",
            unit = "mmol/L", price = 3.10m, turnaroundHours = 4, ranges = new[] { new { low = 3.5m, high = 5.1m } },
        })).JsonAsync(HttpStatusCode.Created)).IdAt("id");

    [Fact]
    public async Task A_doctor_prescribes_and_orders_tests_for_an_admission_and_the_admission_shows_both()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient)).IdAt("id");

        var rx = await MarKit.IssuedForAdmissionAsync(k, patient, admission);
        Assert.Equal(admission, rx.IdAt("admissionId"));
        Assert.Null(rx["visitId"]);
        Assert.Equal(patient, rx.IdAt("patientId"));
        Assert.Equal(k.DoctorId, rx.IdAt("doctorId"));
        var lab = await (await k.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { admissionId = admission, testIds = new[] { await LabTestAsync(k) }, priority = "URGENT" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(admission, lab.IdAt("admissionId"));
        Assert.Equal(patient, lab.IdAt("patientId"));

        // The nurse reads what was ordered and charts from the item ids it shows.
        var orders = await (await k.Nurse.GetAsync($"/api/v1/admissions/{admission}/orders")).JsonAsync();
        var prescription = Assert.Single(orders["prescriptions"]!.AsArray())!;
        Assert.Equal(rx.IdAt("id"), prescription.IdAt("id"));
        Assert.Equal("ISSUED", prescription.Str("status"));
        Assert.Equal("1 capsule", prescription["items"]![0]!.Str("dose"));
        Assert.Equal(lab.IdAt("id"), Assert.Single(orders["labOrders"]!.AsArray())!.IdAt("id"));
        await (await k.Nurse.PostAsJsonAsync($"/api/v1/admissions/{admission}/medication-administrations",
            new { prescriptionItemId = prescription["items"]![0]!.IdAt("id"), status = "GIVEN" })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await k.Desk.GetAsync($"/api/v1/admissions/{admission}/orders")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await k.Nurse.GetAsync($"/api/v1/admissions/{Guid.NewGuid()}/orders")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_visit_or_an_admission_one_of_them_and_only_an_active_admission()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient)).IdAt("id");
        var visit = (await (await k.Doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient })).JsonAsync(HttpStatusCode.Created)).IdAt("id");
        var items = new[] { new { medicine = "Amoxicillin 500 mg", doseAmount = 1, doseUnit = "capsule", frequency = "TID", route = "oral", durationDays = 5 } };
        var test = await LabTestAsync(k);

        async Task<JsonObject> Errors(HttpResponseMessage r) => (await r.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!.AsObject();
        Assert.True((await Errors(await k.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new { visitId = visit, admissionId = admission, items }))).ContainsKey("visitId"));
        Assert.True((await Errors(await k.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new { items }))).ContainsKey("visitId"));
        Assert.True((await Errors(await k.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { patientId = patient, admissionId = admission, testIds = new[] { test }, priority = "ROUTINE" })))
            .ContainsKey("visitId"));
        await (await k.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new { admissionId = Guid.NewGuid(), items })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await k.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { admissionId = Guid.NewGuid(), testIds = new[] { test }, priority = "ROUTINE" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // A draft for the admission is edited while it is active; once discharged, nothing new is written for it.
        var draft = await MarKit.DraftForAdmissionAsync(k, patient, admission);
        await (await k.DischargeAsync(admission)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await k.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new { admissionId = admission, items }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
        await (await k.Doctor.PostAsJsonAsync("/api/v1/lab-orders", new { admissionId = admission, testIds = new[] { test }, priority = "ROUTINE" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
        await (await k.Doctor.PatchAsJsonAsync($"/api/v1/prescriptions/{draft.IdAt("id")}", new { notes = "late change" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
        Assert.Single((await (await k.Nurse.GetAsync($"/api/v1/admissions/{admission}/orders")).JsonAsync())["prescriptions"]!.AsArray());
    }

    [Fact]
    public async Task A_confidential_patients_admission_is_403_break_glass_required_for_a_stranger_and_another_hospitals_is_404()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient)).IdAt("id");
        var items = new[] { new { medicine = "Amoxicillin 500 mg", doseAmount = 1, doseUnit = "capsule", frequency = "TID", route = "oral", durationDays = 5 } };
        var other = await (await k.App.NewTenantAsync("ordx")).AdminAsync();
        await (await other.GetAsync($"/api/v1/admissions/{admission}/orders")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync("/api/v1/prescriptions", new { admissionId = admission, items })).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await (await k.Doctor.PatchAsJsonAsync($"/api/v1/patients/{patient}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        var stranger = await k.Tenant.ClientAsync(SystemRoles.Doctor);
        await (await stranger.PostAsJsonAsync("/api/v1/prescriptions", new { admissionId = admission, items }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await stranger.GetAsync($"/api/v1/admissions/{admission}/orders")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        Assert.Empty((await (await k.Doctor.GetAsync($"/api/v1/admissions/{admission}/orders")).JsonAsync())["prescriptions"]!.AsArray());
    }

    [Fact]
    public async Task Medicine_dispensed_for_the_admission_is_billed_on_its_invoice_at_discharge_once()
    {
        var k = await AdmissionsKit.CreateAsync();
        // Even where outpatients pay before the pharmacy hands out, an inpatient's medicine is billed at discharge.
        await (await k.Admin.PatchAsJsonAsync("/api/v1/billing/settings", new { dispensingRequiresPaidInvoice = true })).EnsureStatusAsync(HttpStatusCode.OK);
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient)).IdAt("id");
        var now = TimeProvider.System.GetUtcNow();
        var medicine = new StockItem
        {
            Kind = StockItemKinds.Medicine, Name = "Ceftriaxone 1 g vial", GenericName = "ceftriaxone", ActiveIngredients = ["Ceftriaxone"], Unit = "vial",
            SalePrice = 7.25m, CreatedAt = now,
        };
        medicine.Touch(null, now);
        var batch = new StockBatch { StockItemId = medicine.Id, BatchNumber = "CEF-1", QuantityReceived = 10, UnitCost = 3m, ReceivedAt = now };
        batch.Touch(null, now);
        await k.App.WithDbAsync(async db =>
        {
            db.Add(medicine);
            db.Add(batch);
            db.Add(new StockMovement { BatchId = batch.Id, StockItemId = medicine.Id, Kind = MovementKinds.In, Quantity = 10, DocumentType = "RECEIPT", OccurredAt = now });
            return await db.SaveChangesAsync();
        }, k.Tenant);
        var draft = await (await k.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new
        {
            admissionId = admission, items = new[] { new { stockItemId = medicine.Id, doseAmount = 1, frequency = "OD", durationDays = 3, quantity = 3 } },
        })).JsonAsync(HttpStatusCode.Created);
        var rx = await (await k.Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{draft.IdAt("id")}/issue", new { })).JsonAsync();
        var pharmacist = await k.Tenant.ClientAsync(SystemRoles.Pharmacist);
        await (await pharmacist.PostAsJsonAsync("/api/v1/dispensings", new { prescriptionId = rx.IdAt("id") })).EnsureStatusAsync(HttpStatusCode.Created);

        await (await k.DischargeAsync(admission)).EnsureStatusAsync(HttpStatusCode.OK);
        var invoiceId = (await (await k.Doctor.GetAsync($"/api/v1/admissions/{admission}")).JsonAsync()).IdAt("invoiceId");
        var invoice = await (await k.Admin.GetAsync($"/api/v1/invoices/{invoiceId}")).JsonAsync();
        var line = Assert.Single(invoice["lines"]!.AsArray(), l => l!.Str("kind") == "MEDICINE")!;
        Assert.Equal("DISPENSING_LINE", line.Str("sourceType"));
        Assert.Equal(3m, line["quantity"]!.GetValue<decimal>());
        Assert.Equal(7.25m, line["unitPrice"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task A_nurse_writes_notes_for_the_active_admission_of_that_patient_only()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient)).IdAt("id");
        var note = await (await k.Nurse.PostAsJsonAsync($"/api/v1/patients/{patient}/notes", new { title = "Night round", text = "Slept well, afebrile.", admissionId = admission }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(admission, note.IdAt("admissionId"));
        await (await k.Nurse.PostAsJsonAsync($"/api/v1/patients/{patient}/notes", new { text = "Not linked" })).EnsureStatusAsync(HttpStatusCode.Created);
        var mine = (await (await k.Nurse.GetAsync($"/api/v1/patients/{patient}/notes?admissionId={admission}")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(note.IdAt("id"), Assert.Single(mine)!.IdAt("id"));

        var other = await k.PatientAsync();
        var body = await (await k.Nurse.PostAsJsonAsync($"/api/v1/patients/{other}/notes", new { text = "Wrong chart", admissionId = admission }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.True(body["errors"]!.AsObject().ContainsKey("admissionId"));

        await (await k.DischargeAsync(admission)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await k.Nurse.PostAsJsonAsync($"/api/v1/patients/{patient}/notes", new { text = "After discharge", admissionId = admission }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
    }
}
