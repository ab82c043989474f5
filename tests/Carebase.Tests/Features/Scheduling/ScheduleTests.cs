using System.Text.Json.Nodes;
using Carebase.Api.Platform.Auth;

namespace Carebase.Tests.Features.Scheduling;

public sealed class ScheduleTests
{
    [Fact]
    public async Task Working_hours_hold_several_blocks_per_day_and_replace_the_whole_week()
    {
        var kit = await SchedulingKit.CreateAsync("America/New_York", workEveryDay: false);
        await kit.SetHoursAsync(kit.DoctorId, SchedulingKit.Block(1, "09:00", "12:00"), SchedulingKit.Block(1, "13:00", "17:00"), SchedulingKit.Block(3, "08:30", "11:00"));
        var week = await (await kit.Admin.GetAsync($"/api/v1/doctors/{kit.DoctorId}/working-hours")).JsonAsync();
        Assert.Equal("America/New_York", week["timezone"]!.GetValue<string>());
        Assert.Equal(15, week["slotMinutes"]!.GetValue<int>());
        Assert.Equal(["1 09:00-12:00", "1 13:00-17:00", "3 08:30-11:00"], week["blocks"]!.AsArray()
            .Select(b => $"{b!["weekday"]} {b["startTime"]}-{b["endTime"]}"));
        Assert.Equal("MONDAY", week["blocks"]![0]!["weekdayName"]!.GetValue<string>());

        await kit.SetHoursAsync(kit.DoctorId, SchedulingKit.Block(2, "10:00", "11:00"));
        week = await (await kit.Admin.GetAsync($"/api/v1/doctors/{kit.DoctorId}/working-hours")).JsonAsync();
        Assert.Single(week["blocks"]!.AsArray());
    }

    [Fact]
    public async Task Invalid_working_hours_are_422_naming_the_block()
    {
        var kit = await SchedulingKit.CreateAsync(workEveryDay: false);
        var url = $"/api/v1/doctors/{kit.DoctorId}/working-hours";
        var overlap = await (await kit.Admin.PutAsJsonAsync(url, new
        {
            blocks = new[] { SchedulingKit.Block(1, "09:00", "12:00"), SchedulingKit.Block(1, "11:00", "13:00") },
        })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("overlaps blocks[0]", overlap["errors"]!["blocks[1]"]![0]!.GetValue<string>());
        var backwards = await (await kit.Admin.PutAsJsonAsync(url, new { blocks = new[] { SchedulingKit.Block(2, "12:00", "09:00") } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("must start before it ends", backwards["errors"]!["blocks[0]"]![0]!.GetValue<string>());
        var bad = await (await kit.Admin.PutAsJsonAsync(url, new { blocks = new[] { new { weekday = 8, startTime = "9am", endTime = "10:00" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(bad["errors"]!["blocks[0].weekday"]);
        Assert.NotNull(bad["errors"]!["blocks[0].startTime"]);
        await (await kit.Admin.PutAsJsonAsync(url, new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Admin.PutAsJsonAsync($"/api/v1/doctors/{Guid.NewGuid()}/working-hours", new { blocks = Array.Empty<object>() }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Slots_in_New_York_keep_local_times_across_the_March_and_November_switches()
    {
        var kit = await SchedulingKit.CreateAsync("America/New_York", workEveryDay: false);
        await kit.SetHoursAsync(kit.DoctorId, SchedulingKit.Block(6, "09:00", "09:30"), SchedulingKit.Block(7, "01:30", "03:30"),
            SchedulingKit.Block(1, "09:00", "09:30"));
        var (march, november) = NextSwitches(kit.Zone);

        var spring = await SlotsAsync(kit, march.AddDays(-1), march.AddDays(1));
        Assert.Equal([
            $"{march.AddDays(-1):yyyy-MM-dd}T09:00:00-05:00", $"{march.AddDays(-1):yyyy-MM-dd}T09:15:00-05:00",
            $"{march:yyyy-MM-dd}T01:30:00-05:00", $"{march:yyyy-MM-dd}T01:45:00-05:00", $"{march:yyyy-MM-dd}T03:00:00-04:00", $"{march:yyyy-MM-dd}T03:15:00-04:00",
            $"{march.AddDays(1):yyyy-MM-dd}T09:00:00-04:00", $"{march.AddDays(1):yyyy-MM-dd}T09:15:00-04:00"], spring);

        var fall = await SlotsAsync(kit, november, november);
        Assert.Equal(["01:30:00-04:00", "01:45:00-04:00", "02:00:00-05:00", "02:15:00-05:00", "02:30:00-05:00", "02:45:00-05:00",
            "03:00:00-05:00", "03:15:00-05:00"], fall.Select(s => s[11..]));

        // Booking the first 01:30 of the fall-back day works; the slot is then gone.
        var patient = await kit.NewPatientAsync();
        var booked = await kit.BookedAsync(patient, DateTimeOffset.Parse($"{november:yyyy-MM-dd}T01:30:00-04:00"));
        Assert.Equal($"{november:yyyy-MM-dd}T01:30:00-04:00", booked["startsAt"]!.GetValue<string>());
        Assert.DoesNotContain($"{november:yyyy-MM-dd}T01:30:00-04:00", await SlotsAsync(kit, november, november));
    }

    [Fact]
    public async Task Slots_in_Kolkata_carry_the_plus_five_thirty_offset()
    {
        var kit = await SchedulingKit.CreateAsync("Asia/Kolkata", workEveryDay: false);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), kit.Zone).DateTime).AddDays(3);
        await kit.SetHoursAsync(kit.DoctorId, SchedulingKit.Block(Iso(day), "09:00", "09:45"));
        Assert.Equal([$"{day:yyyy-MM-dd}T09:00:00+05:30", $"{day:yyyy-MM-dd}T09:15:00+05:30", $"{day:yyyy-MM-dd}T09:30:00+05:30"],
            await SlotsAsync(kit, day, day));
    }

    [Fact]
    public async Task Slots_leave_out_booked_times_and_time_off_and_include_extra_sessions()
    {
        var kit = await SchedulingKit.CreateAsync("Asia/Kolkata", workEveryDay: false);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), kit.Zone).DateTime).AddDays(2);
        await kit.SetHoursAsync(kit.DoctorId, SchedulingKit.Block(Iso(day), "09:00", "10:00"));
        var at = (string hm) => DateTimeOffset.Parse($"{day:yyyy-MM-dd}T{hm}:00+05:30");
        await kit.BookedAsync(await kit.NewPatientAsync(), at("09:15"));
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/doctors/{kit.DoctorId}/time-off", new { startsAt = at("09:30"), endsAt = at("09:45"), reason = "Meeting" }))
            .JsonAsync(HttpStatusCode.Created);
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/doctors/{kit.DoctorId}/extra-sessions", new { startsAt = at("17:00"), endsAt = at("17:30"), note = "Evening" }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Equal(["09:00", "09:45", "17:00", "17:15"], (await SlotsAsync(kit, day, day)).Select(s => s[11..16]));
        var sessions = await (await kit.Admin.GetAsync($"/api/v1/doctors/{kit.DoctorId}/extra-sessions?from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}"))
            .ItemsAsync();
        Assert.Single(sessions);
        await (await kit.Admin.PostAsJsonAsync($"/api/v1/doctors/{kit.DoctorId}/extra-sessions", new { startsAt = at("17:15"), endsAt = at("18:00") }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "session_overlap");
        var id = sessions[0]!["id"]!.GetValue<Guid>();
        await (await kit.Admin.DeleteAsync($"/api/v1/doctors/{kit.DoctorId}/extra-sessions/{id}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(["09:00", "09:45"], (await SlotsAsync(kit, day, day)).Select(s => s[11..16]));
    }

    [Fact]
    public async Task A_range_longer_than_31_days_or_malformed_is_422()
    {
        var kit = await SchedulingKit.CreateAsync();
        var url = $"/api/v1/doctors/{kit.DoctorId}/available-slots";
        await (await kit.Admin.GetAsync($"{url}?from=2030-01-01&to=2030-02-01")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Admin.GetAsync($"{url}?from=tomorrow")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await kit.Admin.GetAsync($"{url}?from=2030-01-05&to=2030-01-01")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var month = await (await kit.Admin.GetAsync($"{url}?from=2030-01-01&to=2030-01-31&pageSize=200&page=7")).JsonAsync();
        Assert.Equal(31 * 40, month["total"]!.GetValue<int>());
        Assert.Equal(31 * 40 - 6 * 200, month["items"]!.AsArray().Count);
        await (await kit.Admin.GetAsync($"/api/v1/doctors/{Guid.NewGuid()}/available-slots")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Time_off_over_appointments_is_409_listing_them_unless_proceed_flags_them()
    {
        var kit = await SchedulingKit.CreateAsync("America/New_York");
        var appointment = await kit.BookedAsync(await kit.NewPatientAsync(), kit.At(4, 10));
        var body = new { startsAt = kit.At(4, 0), endsAt = kit.At(5, 0), reason = "Conference" };
        var url = $"/api/v1/doctors/{kit.DoctorId}/time-off";
        var conflict = await (await kit.Admin.PostAsJsonAsync(url, body)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "appointments_in_time_off");
        Assert.Equal(SchedulingKit.IdOf(appointment), conflict["appointments"]![0]!["id"]!.GetValue<Guid>());
        Assert.Empty(await (await kit.Admin.GetAsync($"{url}?from={kit.At(4, 0):yyyy-MM-dd}")).ItemsAsync());

        var created = await (await kit.Admin.PostAsJsonAsync(url, new { body.startsAt, body.endsAt, body.reason, proceed = true })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(SchedulingKit.IdOf(appointment), created["flaggedAppointmentIds"]![0]!.GetValue<Guid>());
        var after = await (await kit.Admin.GetAsync($"/api/v1/appointments/{SchedulingKit.IdOf(appointment)}")).JsonAsync();
        Assert.True(after["needsReschedule"]!.GetValue<bool>());
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM {kit.Tenant.Schema}.audit_log WHERE action = 'APPOINTMENT_FLAGGED_FOR_RESCHEDULE' AND resource_id = $1",
            SchedulingKit.IdOf(appointment).ToString()));
        // No slot is offered inside the time off, and booking there is refused.
        Assert.Empty(await SlotsAsync(kit, DateOnly.FromDateTime(kit.At(4, 0).DateTime), DateOnly.FromDateTime(kit.At(4, 0).DateTime)));
        var refused = await (await kit.BookAsync(kit.Admin, await kit.NewPatientAsync(), kit.At(4, 11))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("time off", refused["errors"]!["startsAt"]![0]!.GetValue<string>());

        var list = await (await kit.Admin.GetAsync($"{url}?from={kit.At(4, 0):yyyy-MM-dd}")).ItemsAsync();
        await (await kit.Admin.DeleteAsync($"{url}/{list.Single()!["id"]}")).EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await kit.Admin.DeleteAsync($"{url}/{list.Single()!["id"]}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Patients_may_read_slots_but_not_change_schedules()
    {
        var kit = await SchedulingKit.CreateAsync();
        var (patient, _) = await kit.PortalPatientAsync();
        var slots = await (await patient.GetAsync($"/api/v1/doctors/{kit.DoctorId}/available-slots?from={kit.At(1, 0):yyyy-MM-dd}&to={kit.At(1, 0):yyyy-MM-dd}"))
            .ItemsAsync();
        Assert.Equal(40, slots.Count);
        await (await patient.PutAsJsonAsync($"/api/v1/doctors/{kit.DoctorId}/working-hours", new { blocks = Array.Empty<object>() }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var other = await (await kit.App.NewTenantAsync()).ClientAsync(SystemRoles.HospitalAdmin);
        await (await other.GetAsync($"/api/v1/doctors/{kit.DoctorId}/available-slots")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/doctors/{kit.DoctorId}/working-hours")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    static int Iso(DateOnly d) => d.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)d.DayOfWeek;

    static async Task<List<string>> SlotsAsync(SchedulingKit kit, DateOnly from, DateOnly to)
    {
        var items = await (await kit.Admin.GetAsync($"/api/v1/doctors/{kit.DoctorId}/available-slots?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&pageSize=200"))
            .ItemsAsync();
        return items.Select(s => s!["startsAt"]!.GetValue<string>()).ToList();
    }

    /// <summary>The next spring-forward and fall-back days (both Sundays) in the zone, after today, found from the zone's own rules.</summary>
    static (DateOnly march, DateOnly november) NextSwitches(TimeZoneInfo zone)
    {
        DateOnly? spring = null, fall = null;
        var day = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(2);
        for (var i = 0; i < 800 && (spring is null || fall is null); i++, day = day.AddDays(1))
        {
            var (before, after) = (zone.GetUtcOffset(day.ToDateTime(new TimeOnly(0, 30))), zone.GetUtcOffset(day.ToDateTime(new TimeOnly(4, 0))));
            if (after > before) spring ??= day;
            if (after < before) fall ??= day;
        }
        return (spring!.Value, fall!.Value);
    }
}
