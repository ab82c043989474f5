using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Admissions;

/// <summary>
/// The medication administration record: nurses and doctors chart an admission's prescription items given or not given,
/// only while the admission is active and only for its own issued prescriptions; append-only with corrections; on the
/// timeline; gated like the admission.
/// </summary>
public sealed class MedicationAdministrationTests
{
    static string Url(Guid admission) => $"/api/v1/admissions/{admission}/medication-administrations";

    /// <summary>An admitted patient and an issued prescription (two items) written for the admission.</summary>
    static async Task<(AdmissionsKit k, Guid patient, Guid admission, JsonObject rx)> AdmittedWithPrescriptionAsync()
    {
        var k = await AdmissionsKit.CreateAsync();
        var patient = await k.PatientAsync();
        var admission = (await k.AdmittedAsync(patient, admittedAt: DateTimeOffset.UtcNow.AddHours(-6))).IdAt("id");
        return (k, patient, admission, await MarKit.IssuedForAdmissionAsync(k, patient, admission));
    }

    static Guid Item(JsonObject rx, int i) => rx["items"]!.AsArray()[i]!.IdAt("id");

    [Fact]
    public async Task A_nurse_charts_a_dose_given_as_prescribed_and_a_dose_refused_with_its_reason_newest_first()
    {
        var (k, patient, admission, rx) = await AdmittedWithPrescriptionAsync();
        var given = await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN",
            administeredAt = DateTimeOffset.UtcNow.AddMinutes(-30) })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("GIVEN", given.Str("status"));
        Assert.Equal(1m, given["doseAmount"]!.GetValue<decimal>());
        Assert.Equal("capsule", given.Str("doseUnit"));
        Assert.Equal("oral", given.Str("route"));
        Assert.Equal("Amoxicillin 500 mg", given.Str("medicine"));
        Assert.Equal(rx.IdAt("id"), given.IdAt("prescriptionId"));
        Assert.Equal(patient, given.IdAt("patientId"));
        Assert.NotNull(given["recordedByName"]);

        var refused = await (await k.Doctor.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 1), status = "REFUSED",
            reason = "Nauseous, refused the tablet" })).JsonAsync(HttpStatusCode.Created);
        Assert.Null(refused["doseAmount"]);
        Assert.Equal("Nauseous, refused the tablet", refused.Str("reason"));

        var list = await (await k.Nurse.GetAsync(Url(admission))).JsonAsync();
        Assert.Equal(2, list["total"]!.GetValue<int>());
        Assert.Equal([refused.IdAt("id"), given.IdAt("id")], list["items"]!.AsArray().Select(e => e!.IdAt("id")).ToArray());
        var onlyFirst = await (await k.Nurse.GetAsync($"{Url(admission)}?prescriptionItemId={Item(rx, 0)}")).JsonAsync();
        Assert.Equal(given.IdAt("id"), Assert.Single(onlyFirst["items"]!.AsArray())!.IdAt("id"));

        var timeline = (await (await k.Doctor.GetAsync($"/api/v1/patients/{patient}/timeline?types=MEDICATION_ADMINISTRATION")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(2, timeline.Count);
        Assert.Equal("Not given (REFUSED): Paracetamol 500 mg", timeline[0]!.Str("title"));
        Assert.Equal("Given: Amoxicillin 500 mg", timeline[1]!.Str("title"));
        Assert.Equal("1 capsule, oral", timeline[1]!.Str("detail"));

        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{k.Tenant.Schema}".audit_log WHERE action = 'MEDICATION_ADMINISTRATION_RECORDED' AND resource_id = $1""",
            given.IdAt("id").ToString()));
        Assert.True(await TestDatabase.ScalarAsync<long>(
            $"""SELECT count(*) FROM "{k.Tenant.Schema}".audit_log WHERE action = 'MEDICATION_ADMINISTRATION_LISTED' AND resource_id = $1""",
            admission.ToString()) >= 1);
    }

    [Fact]
    public async Task Bad_input_is_422_with_the_field()
    {
        var (k, _, admission, rx) = await AdmittedWithPrescriptionAsync();
        async Task<JsonObject> Errors(object body) =>
            (await (await k.Nurse.PostAsJsonAsync(Url(admission), body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!.AsObject();

        Assert.True((await Errors(new { status = "SKIPPED" })) is var e && e.ContainsKey("prescriptionItemId") && e.ContainsKey("status"));
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "HELD" })).ContainsKey("reason"));
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "NOT_GIVEN", reason = "Out of stock", doseAmount = 1 })).ContainsKey("doseAmount"));
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "GIVEN", administeredAt = DateTimeOffset.UtcNow.AddHours(1) }))
            .ContainsKey("administeredAt"));
        // Before the admission (six hours ago) is not possible either.
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "GIVEN", administeredAt = DateTimeOffset.UtcNow.AddDays(-1) }))
            .ContainsKey("administeredAt"));
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "GIVEN", doseAmount = 0.0001m })).ContainsKey("doseAmount"));
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "GIVEN", doseAmount = 2, dose = "two" })).ContainsKey("dose"));
        Assert.True((await Errors(new { prescriptionItemId = Item(rx, 0), status = "GIVEN", correctsId = Guid.NewGuid() })).ContainsKey("correctsId"));
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Guid.NewGuid(), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await k.Nurse.PostAsJsonAsync(Url(Guid.NewGuid()), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await (await k.Nurse.GetAsync(Url(admission))).JsonAsync())["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Only_an_active_admission_and_its_own_issued_prescriptions_are_charted()
    {
        var (k, patient, admission, rx) = await AdmittedWithPrescriptionAsync();

        // A draft, and a cancelled prescription, of this admission: 409.
        var draft = await MarKit.DraftForAdmissionAsync(k, patient, admission);
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(draft, 0), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_issued");
        var cancelled = await MarKit.IssuedForAdmissionAsync(k, patient, admission);
        await (await k.Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{cancelled.IdAt("id")}/cancel", new { reason = "Wrong patient weight" }))
            .EnsureStatusAsync(HttpStatusCode.OK);
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(cancelled, 0), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "prescription_not_issued");

        // Another patient's (another admission's) prescription: 422 on the field.
        var other = await k.PatientAsync();
        var otherAdmission = (await k.AdmittedAsync(other)).IdAt("id");
        var othersRx = await MarKit.IssuedForAdmissionAsync(k, other, otherAdmission);
        var body = await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(othersRx, 0), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.True(body["errors"]!.AsObject().ContainsKey("prescriptionItemId"));

        // Discharged: nothing more is charted, what was charted still reads.
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await k.DischargeAsync(admission)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "admission_not_active");
        Assert.Equal(1, (await (await k.Nurse.GetAsync(Url(admission))).JsonAsync())["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_mistake_is_corrected_by_a_new_entry_once_and_the_record_itself_never_changes()
    {
        var (k, patient, admission, rx) = await AdmittedWithPrescriptionAsync();
        var wrong = await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN", doseAmount = 2 }))
            .JsonAsync(HttpStatusCode.Created);
        var fix = await (await k.Nurse.PostAsJsonAsync(Url(admission), new
        {
            prescriptionItemId = Item(rx, 0), status = "GIVEN", doseAmount = 1, correctsId = wrong.IdAt("id"), notes = "Charted 2 by mistake",
        })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(wrong.IdAt("id"), fix.IdAt("correctsId"));
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN", correctsId = wrong.IdAt("id") }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_corrected");

        var all = (await (await k.Nurse.GetAsync(Url(admission))).JsonAsync())["items"]!.AsArray();
        Assert.Equal(fix.IdAt("id"), all.Single(e => e!.IdAt("id") == wrong.IdAt("id"))!.IdAt("supersededById"));
        var current = (await (await k.Nurse.GetAsync($"{Url(admission)}?includeSuperseded=false")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(fix.IdAt("id"), Assert.Single(current)!.IdAt("id"));
        var timeline = (await (await k.Doctor.GetAsync($"/api/v1/patients/{patient}/timeline?types=MEDICATION_ADMINISTRATION")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(fix.IdAt("id"), Assert.Single(timeline)!.IdAt("id"));

        // The table refuses a change and a delete whoever asks.
        var table = $"\"{k.Tenant.Schema}\".medication_administrations";
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync($"UPDATE {table} SET dose_amount = 1 WHERE id = $1", wrong.IdAt("id")));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => TestDatabase.ExecuteAsync($"DELETE FROM {table} WHERE id = $1", wrong.IdAt("id")));
    }

    [Fact]
    public async Task The_record_is_gated_like_the_admission_and_another_hospitals_admission_is_404()
    {
        var (k, patient, admission, rx) = await AdmittedWithPrescriptionAsync();
        var other = await (await k.App.NewTenantAsync("marx")).AdminAsync();
        await (await other.GetAsync(Url(admission))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await (await k.Desk.GetAsync(Url(admission))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await k.Desk.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        await (await k.Doctor.PatchAsJsonAsync($"/api/v1/patients/{patient}", new { confidential = true })).EnsureStatusAsync(HttpStatusCode.OK);
        var stranger = await k.Tenant.ClientAsync(SystemRoles.Nurse);
        await (await stranger.GetAsync(Url(admission))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        await (await stranger.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "break_glass_required");
        Assert.Equal(0, (await (await k.Doctor.GetAsync(Url(admission))).JsonAsync())["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Merging_patients_moves_the_record()
    {
        var (k, duplicate, admission, rx) = await AdmittedWithPrescriptionAsync();
        await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" })).EnsureStatusAsync(HttpStatusCode.Created);
        var survivor = await k.PatientAsync();
        var merged = await (await k.Admin.PostAsJsonAsync($"/api/v1/patients/{survivor}/merge", new { duplicateId = duplicate, reason = "Same person" })).JsonAsync();
        Assert.Equal(1, merged["movedRows"]!["medication_administrations.patient_id"]!.GetValue<int>());
        Assert.Equal(survivor, Assert.Single((await (await k.Nurse.GetAsync(Url(admission))).JsonAsync())["items"]!.AsArray())!.IdAt("patientId"));
    }

    [Fact]
    public async Task Two_nurses_correcting_one_entry_at_once_one_wins()
    {
        var (k, _, admission, rx) = await AdmittedWithPrescriptionAsync();
        var wrong = await (await k.Nurse.PostAsJsonAsync(Url(admission), new { prescriptionItemId = Item(rx, 0), status = "GIVEN" })).JsonAsync(HttpStatusCode.Created);
        var second = await k.Tenant.ClientAsync(SystemRoles.Nurse);
        var answers = await AdmissionsKit.Race(new[] { k.Nurse, second }.Select(c =>
            (Func<Task<HttpResponseMessage>>)(() => c.PostAsJsonAsync(Url(admission), new
            {
                prescriptionItemId = Item(rx, 0), status = "NOT_GIVEN", reason = "Charted on the wrong patient", correctsId = wrong.IdAt("id"),
            }))));
        var codes = answers.Select(a => a.StatusCode).Order().ToArray();
        Assert.True(codes is [HttpStatusCode.Created, HttpStatusCode.Conflict], string.Join(", ", codes) + ": " + await answers[0].Content.ReadAsStringAsync()
            + await answers[1].Content.ReadAsStringAsync());
    }
}

/// <summary>Prescriptions written for an admission through the API (admissionId instead of visitId).</summary>
static class MarKit
{
    public static async Task<JsonObject> DraftForAdmissionAsync(AdmissionsKit k, Guid patient, Guid admission) =>
        await (await k.Doctor.PostAsJsonAsync("/api/v1/prescriptions", new
        {
            admissionId = admission,
            items = new object[]
            {
                new { medicine = "Amoxicillin 500 mg", doseAmount = 1, doseUnit = "capsule", frequency = "TID", route = "oral", durationDays = 5 },
                new { medicine = "Paracetamol 500 mg", doseAmount = 2, doseUnit = "tablet", frequency = "PRN", route = "oral", quantity = 20 },
            },
        })).JsonAsync(HttpStatusCode.Created);

    public static async Task<JsonObject> IssuedForAdmissionAsync(AdmissionsKit k, Guid patient, Guid admission)
    {
        var draft = await DraftForAdmissionAsync(k, patient, admission);
        return await (await k.Doctor.PostAsJsonAsync($"/api/v1/prescriptions/{draft.IdAt("id")}/issue", new { })).JsonAsync();
    }
}
