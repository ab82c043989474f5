using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;

namespace Carebase.Tests.Features.Records;

public sealed class SummaryTests
{
    [Fact]
    public async Task The_summary_gathers_the_record_on_one_page_and_visit_notes_and_diagnoses_join_the_history()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("sm");
        using var admin = await tenant.AdminAsync();
        var (doctor, _, _) = await DoctorsApi.SignedInDoctorAsync(admin, tenant);
        using var desk = await tenant.ClientAsync(SystemRoles.Receptionist);
        var patient = (await PatientKit.RegisterAsync(desk, PatientKit.Person())).Id();
        var url = $"/api/v1/patients/{patient}";
        var now = TimeProvider.System.GetUtcNow();

        var empty = await (await doctor.GetAsync($"{url}/summary")).JsonAsync();
        Assert.Equal("UNKNOWN", empty.Str("allergyStatus"));
        await (await doctor.PutAsJsonAsync($"{url}/allergies/status", new { noKnownAllergies = true })).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("NO_KNOWN_ALLERGIES", (await (await doctor.GetAsync($"{url}/summary")).JsonAsync()).Str("allergyStatus"));

        await (await doctor.PostAsJsonAsync($"{url}/allergies", new { substance = "Penicillin", category = "DRUG", severity = "SEVERE", status = "ACTIVE" }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        await (await doctor.PostAsJsonAsync($"{url}/medications", new { name = "Metformin", dose = "500 mg", status = "ACTIVE", source = "REPORTED" }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        await (await doctor.PostAsJsonAsync($"{url}/immunizations",
            new { vaccine = "Tetanus", doseNumber = 1, dateGiven = now.AddYears(-10).ToString("yyyy-MM-dd"), nextDueDate = now.AddDays(10).ToString("yyyy-MM-dd") }))
            .EnsureStatusAsync(HttpStatusCode.Created);
        await (await doctor.PostAsJsonAsync($"{url}/vitals", new { recordedAt = now.AddDays(-20), systolicMmHg = 150, diastolicMmHg = 95, weightKg = 82 }))
            .EnsureStatusAsync(HttpStatusCode.Created);

        var visit = await (await doctor.PostAsJsonAsync("/api/v1/visits", new { patientId = patient, chiefComplaint = "Review" })).JsonAsync(HttpStatusCode.Created);
        var v = $"/api/v1/visits/{visit.Id()}";
        await (await doctor.PostAsJsonAsync($"{v}/vitals", new { systolicMmHg = 132, diastolicMmHg = 84 })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await doctor.PostAsJsonAsync($"{v}/diagnoses", new { code = "E11.9", kind = "PRIMARY", status = "CONFIRMED" })).EnsureStatusAsync(HttpStatusCode.Created);
        await (await doctor.PostAsJsonAsync($"{v}/diagnoses", new { code = "I10", kind = "SECONDARY", status = "RULED_OUT" })).EnsureStatusAsync(HttpStatusCode.Created);
        var note = await (await doctor.PostAsJsonAsync($"{v}/notes", new { title = "Plan", text = "Diet and exercise.", staffOnly = false }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(visit.Id(), note["visitId"]!.GetValue<Guid>());
        var conditions = await (await doctor.PostAsync($"{v}/diagnoses/to-conditions", null)).JsonAsync<JsonArray>();
        Assert.Equal("E11.9", Assert.Single(conditions)!.Str("code"));
        Assert.Empty(await (await doctor.PostAsync($"{v}/diagnoses/to-conditions", null)).JsonAsync<JsonArray>());
        await (await doctor.PostAsync($"{v}/complete", null)).EnsureStatusAsync(HttpStatusCode.OK);
        // The visit's note is locked with it, through either route.
        await (await doctor.PostAsJsonAsync($"{v}/notes", new { text = "later" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");
        await (await doctor.PatchAsJsonAsync($"{url}/notes/{note.Id()}", new { text = "rewritten" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");
        await (await doctor.DeleteAsync($"{url}/notes/{note.Id()}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");
        await (await doctor.PostAsJsonAsync($"{url}/notes", new { text = "into a signed visit", visitId = visit.Id() }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "visit_locked");

        var s = await (await doctor.GetAsync($"{url}/summary")).JsonAsync();
        Assert.Equal(patient, s["patient"]!.Id());
        Assert.Equal("HAS_ALLERGIES", s.Str("allergyStatus"));
        Assert.Equal("Penicillin", Assert.Single(s["activeAllergies"]!.AsArray())!.Str("substance"));
        Assert.Equal("E11.9", Assert.Single(s["activeConditions"]!.AsArray())!.Str("code"));
        Assert.Equal("Metformin", Assert.Single(s["currentMedications"]!.AsArray())!.Str("name"));
        var systolic = s["latestVitals"]!["systolicMmHg"]!;
        Assert.Equal(132m, systolic["value"]!.GetValue<decimal>());
        Assert.Equal(150m, systolic["previous"]!.GetValue<decimal>());
        Assert.Equal(82m, s["latestVitals"]!["weightKg"]!["value"]!.GetValue<decimal>());
        Assert.Null(s["latestVitals"]!["weightKg"]!["previous"]);
        Assert.Equal("Tetanus", Assert.Single(s["immunizationsDue"]!.AsArray())!.Str("vaccine"));
        var last = Assert.Single(s["recentVisits"]!.AsArray())!;
        Assert.Equal(2, last["diagnoses"]!.AsArray().Count);
        Assert.Equal("PRIMARY", last["diagnoses"]![0]!.Str("kind"));
        Assert.Equal(1, s["counts"]!["visits"]!.GetValue<int>());
        Assert.Equal(2, s["counts"]!["vitals"]!.GetValue<int>());
        Assert.Equal(1, s["counts"]!["notes"]!.GetValue<int>());

        // The timeline has every kind of event now.
        var types = (await (await doctor.GetAsync($"{url}/timeline?pageSize=200")).JsonAsync())["items"]!.AsArray().Select(e => e!.Str("type")).ToHashSet();
        Assert.Superset(new HashSet<string> { "VISIT", "VITALS", "DIAGNOSIS", "ALLERGY", "CONDITION", "MEDICATION", "IMMUNIZATION", "NOTE" }, types);
        await (await desk.GetAsync($"{url}/summary")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }
}
