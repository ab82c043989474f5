using System.Text.Json.Nodes;

namespace Carebase.Tests.Features.Scheduling;

/// <summary>
/// What a portal patient sees of the resources staff write about them: each resource's staff-only fields are left out of
/// every answer to a patient (one resource per test), and staff still see them.
/// </summary>
public sealed class PatientViewTests
{
    static void Hidden(JsonObject view, params string[] fields)
    {
        foreach (var field in fields) Assert.False(view.ContainsKey(field), $"a patient must not see '{field}'");
    }

    [Fact]
    public async Task A_patient_books_without_naming_themselves_and_never_sees_staff_notes_on_appointments()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (portal, me) = await kit.PortalPatientAsync();
        var booked = await (await portal.PostAsJsonAsync("/api/v1/appointments", new { doctorId = kit.DoctorId, startsAt = kit.At(2, 10), reason = "Back pain" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(me, booked["patientId"]!.GetValue<Guid>());
        var id = SchedulingKit.IdOf(booked);
        await (await kit.Admin.PatchAsJsonAsync($"/api/v1/appointments/{id}", new { notes = "INTERNAL: check the referral letter" })).JsonAsync();

        var staff = await (await kit.Admin.GetAsync($"/api/v1/appointments/{id}")).JsonAsync();
        Assert.Equal("INTERNAL: check the referral letter", staff["notes"]!.GetValue<string>());
        Assert.NotNull(staff["updatedBy"]);

        var own = await (await portal.GetAsync($"/api/v1/appointments/{id}")).JsonAsync();
        Assert.Equal("Back pain", own["reason"]!.GetValue<string>());
        Hidden(own, "notes", "createdBy", "updatedBy");
        Hidden((await (await portal.GetAsync("/api/v1/appointments")).ItemsAsync()).Single()!.AsObject(), "notes", "createdBy", "updatedBy");
        Assert.DoesNotContain("INTERNAL", await (await portal.PostAsJsonAsync($"/api/v1/appointments/{id}/cancel", new { reason = "Better" })).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_patient_sees_when_a_doctor_is_away_but_not_why()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (portal, _) = await kit.PortalPatientAsync();
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/doctors/{kit.DoctorId}/time-off",
            new { startsAt = kit.At(3, 8), endsAt = kit.At(3, 12), reason = "Surgery of my own" })).JsonAsync(HttpStatusCode.Created);
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/doctors/{kit.DoctorId}/extra-sessions",
            new { startsAt = kit.At(4, 19), endsAt = kit.At(4, 20), note = "Covering for Dr. Lee" })).JsonAsync(HttpStatusCode.Created);
        var query = $"?from={kit.At(3, 0):yyyy-MM-dd}&to={kit.At(5, 0):yyyy-MM-dd}";

        var staffOff = (await (await kit.Admin.GetAsync($"/api/v1/doctors/{kit.DoctorId}/time-off{query}")).ItemsAsync()).Single()!.AsObject();
        Assert.Equal("Surgery of my own", staffOff["reason"]!.GetValue<string>());
        var off = (await (await portal.GetAsync($"/api/v1/doctors/{kit.DoctorId}/time-off{query}")).ItemsAsync()).Single()!.AsObject();
        Assert.NotNull(off["startsAt"]);
        Hidden(off, "reason", "createdBy", "createdAt", "flaggedAppointmentIds");
        var session = (await (await portal.GetAsync($"/api/v1/doctors/{kit.DoctorId}/extra-sessions{query}")).ItemsAsync()).Single()!.AsObject();
        Hidden(session, "note", "createdBy", "createdAt");
    }

    [Fact]
    public async Task A_patient_reads_their_record_without_who_registered_and_changed_it()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (portal, me) = await kit.PortalPatientAsync();
        var staff = await (await kit.Admin.GetAsync($"/api/v1/patients/{me}")).JsonAsync();
        Assert.NotNull(staff["createdBy"]);
        var own = await (await portal.GetAsync($"/api/v1/patients/{me}")).JsonAsync();
        Assert.Equal(me, own["id"]!.GetValue<Guid>());
        Hidden(own, "createdBy", "updatedBy");
    }
}
