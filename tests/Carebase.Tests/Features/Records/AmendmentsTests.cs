using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;
using Carebase.Tests.Features.Patients;
using Carebase.Tests.Features.Queue;

namespace Carebase.Tests.Features.Records;

public sealed class AmendmentsTests
{
    [Fact]
    public async Task A_patient_asks_for_corrections_staff_accept_by_appending_or_refuse_with_a_reason()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("am");
        using var desk = await tenant.ClientAsync(SystemRoles.Receptionist);
        using var nurse = await tenant.ClientAsync(SystemRoles.Nurse);
        var me = await PatientKit.RegisterAsync(desk, PatientKit.Person());
        var other = await PatientKit.RegisterAsync(desk, PatientKit.Person());
        var url = $"/api/v1/patients/{me.Id()}";
        var allergy = await (await nurse.PostAsJsonAsync($"{url}/allergies", new { substance = "Peanut", category = "FOOD", status = "ACTIVE" }))
            .JsonAsync(HttpStatusCode.Created);
        var elsewhere = await (await nurse.PostAsJsonAsync($"/api/v1/patients/{other.Id()}/allergies", new { substance = "Latex", category = "OTHER", status = "ACTIVE" }))
            .JsonAsync(HttpStatusCode.Created);

        var email = me.Str("email");
        using var patient = await PatientKit.PortalClientAsync(app, desk, me.Id(), email);

        async Task<JsonObject> Ask(HttpClient client, string text) =>
            await (await client.PostAsJsonAsync($"{url}/amendments", new { target = new { type = "ALLERGY", id = allergy.Id() }, text })).JsonAsync(HttpStatusCode.Created);
        var first = await Ask(patient, "It is tree nuts, not peanuts.");
        Assert.Equal("REQUESTED", first.Str("status"));
        Assert.Null(first["requestedBy"]); // staff-only field, hidden from the portal
        await (await patient.PostAsJsonAsync($"{url}/amendments", new { target = new { type = "ALLERGY", id = elsewhere.Id() }, text = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await patient.PostAsJsonAsync($"{url}/amendments", new { target = new { type = "HAIRCUT", id = allergy.Id() }, text = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await patient.PostAsJsonAsync($"/api/v1/patients/{other.Id()}/amendments", new { target = new { type = "ALLERGY", id = elsewhere.Id() }, text = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // Refused with a reason, once.
        var refused = await (await nurse.PostAsJsonAsync($"/api/v1/amendments/{first.Id()}/refuse", new { reason = "Confirmed by a test in May." })).JsonAsync();
        Assert.Equal("REFUSED", refused.Str("status"));
        await (await nurse.PostAsJsonAsync($"/api/v1/amendments/{first.Id()}/accept", new { })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_decided");
        await (await patient.PostAsJsonAsync($"/api/v1/amendments/{first.Id()}/accept", new { })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        // Accepted: the correction is appended as a note; the allergy stays as it was.
        var second = await Ask(desk, "Reaction was hives, not anaphylaxis (patient called).");
        var accepted = await (await nurse.PostAsJsonAsync($"/api/v1/amendments/{second.Id()}/accept", new { correction = "Reaction: hives." })).JsonAsync();
        Assert.Equal("ACCEPTED", accepted.Str("status"));
        var noteId = accepted["correctionNoteId"]!.GetValue<Guid>();
        var note = await (await patient.GetAsync($"{url}/notes/{noteId}")).JsonAsync();
        Assert.Contains("Reaction: hives.", note.Str("text"));
        Assert.Contains(allergy.Id().ToString(), note.Str("text"));
        Assert.Equal("Peanut", (await (await nurse.GetAsync($"{url}/allergies/{allergy.Id()}")).JsonAsync()).Str("substance"));

        var mine = await (await patient.GetAsync($"{url}/amendments")).ItemsAsync();
        Assert.Equal(["ACCEPTED", "REFUSED"], mine.Select(a => a!.Str("status")));
        Assert.Equal("Confirmed by a test in May.", mine[1]!.Str("refusalReason"));
        var otherHospital = await (await app.NewTenantAsync()).ClientAsync(SystemRoles.Nurse);
        await (await otherHospital.PostAsJsonAsync($"/api/v1/amendments/{second.Id()}/refuse", new { reason = "no" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
