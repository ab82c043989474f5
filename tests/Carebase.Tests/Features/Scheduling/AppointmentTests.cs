using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Scheduling;

public sealed class AppointmentTests
{
    [Fact]
    public async Task Staff_book_a_free_slot_and_get_201_with_Location_and_local_times()
    {
        var kit = await SchedulingKit.CreateAsync("Asia/Kolkata");
        var patient = await kit.NewPatientAsync();
        var response = await kit.BookAsync(kit.Admin, patient, kit.At(2, 10, 30));
        var body = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/appointments/{SchedulingKit.IdOf(body)}", response.Headers.Location!.OriginalString);
        Assert.Equal("SCHEDULED", body["status"]!.GetValue<string>());
        Assert.EndsWith("T10:30:00+05:30", body["startsAt"]!.GetValue<string>());
        Assert.EndsWith("T10:45:00+05:30", body["endsAt"]!.GetValue<string>());
        Assert.Equal($"{kit.At(2, 10):yyyy-MM-dd}", body["localDate"]!.GetValue<string>());

        var get = await kit.Admin.GetAsync(response.Headers.Location);
        Assert.Equal("\"1\"", get.Headers.ETag!.Tag);
        Assert.Equal(patient, (await get.JsonAsync())["patientId"]!.GetValue<Guid>());
        await (await kit.Admin.GetAsync("/api/v1/appointments")).EnsureStatusAsync(HttpStatusCode.OK);

        // Appointments name their patients: reading one, and listing them, are audited.
        var reads = await TestDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM \"{kit.Tenant.Schema}\".audit_log WHERE action IN ('APPOINTMENT_READ', 'APPOINTMENT_LISTED')");
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task Bad_bookings_are_422_with_a_clear_message()
    {
        var kit = await SchedulingKit.CreateAsync("America/New_York");
        var patient = await kit.NewPatientAsync();
        async Task<string> Refused(DateTimeOffset at) =>
            (await (await kit.BookAsync(kit.Admin, patient, at)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))["errors"]!["startsAt"]![0]!.GetValue<string>();
        Assert.Contains("past", await Refused(kit.At(-1, 10)));
        Assert.Contains("grid", await Refused(kit.At(2, 10, 5)));
        Assert.Contains("outside", await Refused(kit.At(2, 19)));
        var missing = await (await kit.Admin.PostAsJsonAsync("/api/v1/appointments", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(missing["errors"]!["doctorId"]);
        Assert.NotNull(missing["errors"]!["startsAt"]);
        // Staff must name the patient (a portal patient books for themselves and may leave it out).
        var noPatient = await (await kit.Admin.PostAsJsonAsync("/api/v1/appointments", new { doctorId = kit.DoctorId, startsAt = kit.At(2, 10) }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(noPatient["errors"]!["patientId"]);
        await (await kit.Admin.PostAsJsonAsync("/api/v1/appointments", new { patientId = patient, doctorId = kit.DoctorId, startsAt = kit.At(2, 10), recurrence = new { everyWeeks = 9, count = 1 } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.BookAsync(kit.Admin, Guid.NewGuid(), kit.At(2, 10))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.BookAsync(kit.Admin, patient, kit.At(2, 10), doctorId: Guid.NewGuid())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Overlaps_and_a_second_open_appointment_on_one_day_are_409()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (p1, p2) = (await kit.NewPatientAsync(), await kit.NewPatientAsync());
        var other = await kit.NewDoctorAsync();
        await kit.BookedAsync(p1, kit.At(3, 9));
        var taken = await (await kit.BookAsync(kit.Admin, p2, kit.At(3, 9))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_taken");
        Assert.Contains("already taken", taken["detail"]!.GetValue<string>());
        await (await kit.BookAsync(kit.Admin, p1, kit.At(3, 9), doctorId: other)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "patient_busy");
        await (await kit.BookAsync(kit.Admin, p1, kit.At(3, 11))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already_booked_that_day");
        await kit.BookedAsync(p1, kit.At(3, 11), doctorId: other);
    }

    [Fact]
    public async Task The_state_machine_allows_every_legal_step_stamps_it_and_refuses_illegal_ones_naming_the_status()
    {
        var kit = await SchedulingKit.CreateAsync();
        var id = SchedulingKit.IdOf(await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 9)));
        async Task<JsonObject> Do(string action, object? body = null) =>
            await (await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{id}/{action}", body ?? new { })).JsonAsync();
        async Task Illegal(string action, string current, object? body = null)
        {
            var problem = await (await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{id}/{action}", body ?? new { }))
                .ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
            Assert.Equal(current, problem["currentStatus"]!.GetValue<string>());
        }

        await Illegal("start", "SCHEDULED");
        await Illegal("complete", "SCHEDULED");
        Assert.NotNull((await Do("confirm"))["confirmedAt"]);
        await Illegal("confirm", "CONFIRMED");
        Assert.NotNull((await Do("check-in"))["checkedInAt"]);
        await Illegal("no-show", "CHECKED_IN");
        await Illegal("reschedule", "CHECKED_IN", new { startsAt = kit.At(2, 10) });
        Assert.NotNull((await Do("start"))["startedAt"]);
        await Illegal("cancel", "IN_CONSULTATION", new { reason = "x" });
        var done = await Do("complete");
        Assert.Equal("COMPLETED", done["status"]!.GetValue<string>());
        Assert.NotNull(done["completedAt"]);
        await Illegal("check-in", "COMPLETED");

        // The other exits: no-show from SCHEDULED, cancel (with a reason) from CHECKED_IN.
        var second = SchedulingKit.IdOf(await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 10)));
        var noShow = await (await kit.Admin.PostAsync($"/api/v1/appointments/{second}/no-show", null)).JsonAsync();
        Assert.Equal("NO_SHOW", noShow["status"]!.GetValue<string>());
        var third = SchedulingKit.IdOf(await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 11)));
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{third}/cancel", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Admin.PostAsync($"/api/v1/appointments/{third}/check-in", null)).JsonAsync();
        var cancelled = await (await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{third}/cancel", new { reason = "Felt better" })).JsonAsync();
        Assert.Equal("CANCELLED", cancelled["status"]!.GetValue<string>());
        Assert.Equal("Felt better", cancelled["cancelReason"]!.GetValue<string>());
        // A cancelled appointment frees its slot.
        await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 11));

        var actions = await TestDatabase.ScalarAsync<string[]>(
            $"SELECT array_agg(action ORDER BY occurred_at) FROM {kit.Tenant.Schema}.audit_log WHERE resource_id = $1", id.ToString());
        Assert.Equal(["APPOINTMENT_BOOKED", "APPOINTMENT_CONFIRMED", "APPOINTMENT_CHECKED_IN", "APPOINTMENT_IN_CONSULTATION", "APPOINTMENT_COMPLETED"], actions);
    }

    [Fact]
    public async Task Reschedule_moves_atomically_or_changes_nothing()
    {
        var kit = await SchedulingKit.CreateAsync();
        var mine = await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 9));
        var id = SchedulingKit.IdOf(mine);
        await (await kit.Admin.PostAsync($"/api/v1/appointments/{id}/confirm", null)).JsonAsync();
        await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 10));

        var taken = await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{id}/reschedule", new { startsAt = kit.At(2, 10) });
        await taken.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_taken");
        var unchanged = await (await kit.Admin.GetAsync($"/api/v1/appointments/{id}")).JsonAsync();
        Assert.Equal(mine["startsAt"]!.GetValue<string>(), unchanged["startsAt"]!.GetValue<string>());
        Assert.Equal("CONFIRMED", unchanged["status"]!.GetValue<string>());

        await (await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{id}/reschedule", new { startsAt = kit.At(2, 10, 7) }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var moved = await (await kit.Admin.PostAsJsonAsync($"/api/v1/appointments/{id}/reschedule", new { startsAt = kit.At(5, 14) })).JsonAsync();
        Assert.Equal("SCHEDULED", moved["status"]!.GetValue<string>());
        Assert.Equal(kit.At(5, 14), moved["startsAt"]!.GetValue<DateTimeOffset>());
        // The old time is free again.
        await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 9));
    }

    [Fact]
    public async Task A_weekly_series_is_all_or_nothing_and_names_the_conflicting_date()
    {
        var kit = await SchedulingKit.CreateAsync("America/New_York");
        var patient = await kit.NewPatientAsync();
        await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2 + 14, 15));
        var response = await kit.BookAsync(kit.Admin, patient, kit.At(2, 15), recurrence: new { everyWeeks = 1, count = 8 });
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "series_conflict");
        var conflict = Assert.Single(problem["conflicts"]!.AsArray());
        Assert.Equal($"{kit.At(16, 15):yyyy-MM-dd}", conflict!["date"]!.GetValue<string>());
        Assert.Equal("slot_taken", conflict["reason"]!.GetValue<string>());
        Assert.Contains($"{kit.At(16, 15):yyyy-MM-dd}", problem["detail"]!.GetValue<string>());
        var mine = await (await kit.Admin.GetAsync($"/api/v1/appointments?patientId={patient}")).JsonAsync();
        Assert.Equal(0, mine["total"]!.GetValue<int>());

        var series = await (await kit.BookAsync(kit.Admin, patient, kit.At(2, 16), recurrence: new { everyWeeks = 1, count = 8 })).JsonAsync(HttpStatusCode.Created);
        var items = series["appointments"]!.AsArray();
        Assert.Equal(8, items.Count);
        Assert.All(items, a => Assert.Equal(series["seriesId"]!.GetValue<Guid>(), a!["seriesId"]!.GetValue<Guid>()));
        // Every week at 16:00 local, whatever the offset that week.
        Assert.All(items, a => Assert.Equal(16, a!["startsAt"]!.GetValue<DateTimeOffset>().Hour));
    }

    [Fact]
    public async Task Lists_filter_by_doctor_patient_status_and_when_with_paging()
    {
        var kit = await SchedulingKit.CreateAsync("Asia/Kolkata");
        var patient = await kit.NewPatientAsync();
        var other = await kit.NewDoctorAsync();
        var a = SchedulingKit.IdOf(await kit.BookedAsync(patient, kit.At(1, 9)));
        await kit.BookedAsync(patient, kit.At(2, 9));
        await kit.BookedAsync(patient, kit.At(3, 9), doctorId: other);
        await (await kit.Admin.PostAsync($"/api/v1/appointments/{a}/confirm", null)).JsonAsync();
        await TestDatabase.ExecuteAsync($"""
            INSERT INTO {kit.Tenant.Schema}.appointments (id, patient_id, doctor_id, starts_at, ends_at, local_date, status, scheduled_at, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, $2, now() - interval '3 days', now() - interval '3 days' + interval '15 minutes', (now() - interval '3 days')::date, 'COMPLETED', now(), now(), now())
            """, patient, kit.DoctorId);

        async Task<int> Count(string query) => (await (await kit.Admin.GetAsync($"/api/v1/appointments?{query}")).JsonAsync())["total"]!.GetValue<int>();
        Assert.Equal(4, await Count($"patientId={patient}"));
        Assert.Equal(3, await Count($"patientId={patient}&doctorId={kit.DoctorId}"));
        Assert.Equal(1, await Count($"patientId={patient}&status=CONFIRMED"));
        Assert.Equal(3, await Count($"patientId={patient}&when=upcoming"));
        Assert.Equal(1, await Count($"patientId={patient}&when=past"));
        Assert.Equal(0, await Count($"patientId={patient}&when=today"));
        Assert.Equal(1, await Count($"patientId={patient}&from={kit.At(2, 0):yyyy-MM-dd}&to={kit.At(2, 0):yyyy-MM-dd}"));
        var page = await (await kit.Admin.GetAsync($"/api/v1/appointments?patientId={patient}&when=upcoming&pageSize=2&page=2")).JsonAsync();
        Assert.Single(page["items"]!.AsArray());
        Assert.Equal(other, page["items"]![0]!["doctorId"]!.GetValue<Guid>());
        await (await kit.Admin.GetAsync("/api/v1/appointments?when=someday")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Admin.GetAsync("/api/v1/appointments?status=DONE")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        var analytics = await (await kit.Admin.GetAsync($"/api/v1/appointments/analytics?from={kit.At(-10, 0):yyyy-MM-dd}&to={kit.At(10, 0):yyyy-MM-dd}")).JsonAsync();
        Assert.Equal(4, analytics["total"]!.GetValue<int>());
        Assert.Equal(1, analytics["byStatus"]!["COMPLETED"]!.GetValue<int>());
        Assert.Equal(2, analytics["perDoctor"]!.AsArray().Count);
        Assert.Equal(0.0, analytics["noShowRate"]!.GetValue<double>());
    }

    [Fact]
    public async Task Patch_changes_reason_and_notes_with_If_Match()
    {
        var kit = await SchedulingKit.CreateAsync();
        var id = SchedulingKit.IdOf(await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 9)));
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/appointments/{id}") { Content = JsonContent.Create(new { notes = "Bring X-rays" }) };
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        var patched = await (await kit.Admin.SendAsync(request)).JsonAsync();
        Assert.Equal("Bring X-rays", patched["notes"]!.GetValue<string>());
        Assert.Equal("Check-up", patched["reason"]!.GetValue<string>());
        var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/appointments/{id}") { Content = JsonContent.Create(new { reason = "Other" }) };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        await (await kit.Admin.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task A_patient_books_and_sees_only_their_own_appointments()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (portal, me) = await kit.PortalPatientAsync();
        var someoneElse = await kit.NewPatientAsync();
        var theirs = SchedulingKit.IdOf(await kit.BookedAsync(someoneElse, kit.At(2, 9)));

        var mine = await (await kit.BookAsync(portal, me, kit.At(2, 10))).JsonAsync(HttpStatusCode.Created);
        await (await kit.BookAsync(portal, someoneElse, kit.At(2, 11))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await portal.GetAsync($"/api/v1/appointments/{theirs}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await portal.PostAsync($"/api/v1/appointments/{theirs}/cancel", JsonContent.Create(new { reason = "x" }))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var list = await (await portal.GetAsync($"/api/v1/appointments?patientId={someoneElse}")).JsonAsync();
        Assert.Equal(0, list["total"]!.GetValue<int>());
        list = await (await portal.GetAsync("/api/v1/appointments")).JsonAsync();
        Assert.Equal(SchedulingKit.IdOf(mine), Assert.Single(list["items"]!.AsArray())!["id"]!.GetValue<Guid>());
        await (await portal.PostAsync($"/api/v1/appointments/{SchedulingKit.IdOf(mine)}/check-in", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await portal.GetAsync("/api/v1/appointments/analytics")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await portal.PostAsJsonAsync($"/api/v1/appointments/{SchedulingKit.IdOf(mine)}/reschedule", new { startsAt = kit.At(3, 10) })).JsonAsync();
        await (await portal.PostAsJsonAsync($"/api/v1/appointments/{SchedulingKit.IdOf(mine)}/cancel", new { reason = "Travelling" })).JsonAsync();
    }

    [Fact]
    public async Task Another_tenants_ids_are_404()
    {
        var kit = await SchedulingKit.CreateAsync();
        var id = SchedulingKit.IdOf(await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(2, 9)));
        var other = await (await kit.App.NewTenantAsync()).ClientAsync(SystemRoles.Receptionist);
        await (await other.GetAsync($"/api/v1/appointments/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"/api/v1/appointments/{id}/confirm", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsJsonAsync($"/api/v1/appointments/{id}/reschedule", new { startsAt = kit.At(3, 9) })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await kit.BookAsync(other, Guid.NewGuid(), kit.At(2, 10))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await (await other.GetAsync("/api/v1/appointments")).JsonAsync())["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Roles_without_appointments_write_get_403()
    {
        var kit = await SchedulingKit.CreateAsync();
        var nurse = await kit.Tenant.ClientAsync(SystemRoles.Nurse);
        await (await kit.BookAsync(nurse, await kit.NewPatientAsync(), kit.At(2, 9))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }
}
