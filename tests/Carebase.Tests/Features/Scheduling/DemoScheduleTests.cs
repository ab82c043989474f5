using System.Text.Json.Nodes;
using Carebase.Api.Features.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Carebase.Tests.Features.Scheduling;

public sealed class DemoScheduleTests
{
    [Fact]
    public async Task Demo_doctors_have_hours_and_weeks_of_appointments_in_every_status_that_freshening_moves_forward()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("demoschedule"),
            new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" });
        using var admin = await app.SignInAsync("admin@general.demo", DemoData.Password);
        var doctors = (await (await admin.GetAsync("/api/v1/doctors?pageSize=200")).JsonAsync())["items"]!.AsArray();
        foreach (var d in doctors)
        {
            var week = await (await admin.GetAsync($"/api/v1/doctors/{d!["id"]}/working-hours")).JsonAsync();
            Assert.True(week["blocks"]!.AsArray().Count >= 10);
        }
        foreach (var status in new[] { "SCHEDULED", "CONFIRMED", "CHECKED_IN", "IN_CONSULTATION", "COMPLETED", "CANCELLED", "NO_SHOW" })
        {
            var count = (await (await admin.GetAsync($"/api/v1/appointments?status={status}&pageSize=1")).JsonAsync())["total"]!.GetValue<int>();
            Assert.True(count > 0, $"no {status} appointment");
        }
        using var patient = await app.SignInAsync("patient@general.demo", DemoData.Password);
        // Visits: every completed appointment has a signed one; the portal patient has ten years of them.
        var completed = (await (await admin.GetAsync("/api/v1/appointments?status=COMPLETED&pageSize=1")).JsonAsync())["total"]!.GetValue<int>();
        var signed = (await (await admin.GetAsync("/api/v1/visits?status=COMPLETED&pageSize=1")).JsonAsync())["total"]!.GetValue<int>();
        Assert.True(signed >= completed + 220, $"{signed} signed visits for {completed} completed appointments");
        var history = (await (await patient.GetAsync("/api/v1/visits?pageSize=1")).JsonAsync())["total"]!.GetValue<int>();
        Assert.True(history >= 220);
        var mine = await (await patient.GetAsync("/api/v1/appointments")).JsonAsync();
        Assert.True(mine["total"]!.GetValue<int>() > 0);
        Assert.Single(mine["items"]!.AsArray().Select(a => a!["patientId"]!.GetValue<Guid>()).Distinct());

        // Confidentiality: break-glass accesses to review (one reviewed), and confidential patients the desk finds restricted.
        var grants = (await (await admin.GetAsync("/api/v1/reports/break-glass")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(2, grants.Count);
        Assert.Single(grants, g => g!["reviewedAt"] is not null);
        using var desk = await app.SignInAsync("reception@general.demo", DemoData.Password);
        var page = (await (await desk.GetAsync("/api/v1/patients?pageSize=200")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(5, page.Count(p => p!["restricted"]!.GetValue<bool>()));

        var before = await FirstAsync(admin);
        var grantedBefore = grants.Select(g => g!["grantedAt"]!.GetValue<DateTimeOffset>()).Min();
        await app.Services.GetRequiredService<DemoData>().FreshenAsync(7, default);
        var after = await FirstAsync(admin);
        Assert.Equal(before.total, after.total);
        Assert.Equal(TimeSpan.FromDays(7), after.first - before.first);
        var grantedAfter = (await (await admin.GetAsync("/api/v1/reports/break-glass")).JsonAsync())["items"]!.AsArray()
            .Select(g => g!["grantedAt"]!.GetValue<DateTimeOffset>()).Min();
        Assert.Equal(TimeSpan.FromDays(7), grantedAfter - grantedBefore);
    }

    [Fact]
    public async Task Every_checked_in_demo_appointment_of_today_has_its_token_in_step_and_the_desk_can_call_it()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("demoqueue"),
            new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" });
        using var desk = await app.SignInAsync("reception@general.demo", DemoData.Password);
        var today = (await (await desk.GetAsync("/api/v1/appointments?when=today&pageSize=200")).JsonAsync())["items"]!.AsArray()
            .Select(a => a!.AsObject()).ToList();
        var expected = new Dictionary<string, string> { ["CHECKED_IN"] = "WAITING", ["IN_CONSULTATION"] = "SERVING", ["COMPLETED"] = "SERVED" };
        Assert.Contains(today, a => a["status"]!.GetValue<string>() == "CHECKED_IN");
        Assert.Contains(today, a => a["status"]!.GetValue<string>() == "IN_CONSULTATION");

        foreach (var doctorId in today.Select(a => a["doctorId"]!.GetValue<Guid>()).Distinct())
        {
            var board = await (await desk.GetAsync($"/api/v1/queue?doctorId={doctorId}")).JsonAsync();
            var tokens = new[] { "waiting", "serving", "served", "skipped", "left" }.SelectMany(k => board[k]!.AsArray()).Select(t => t!.AsObject()).ToList();
            Assert.True(board["counts"]!["serving"]!.GetValue<int>() <= 1, "a demo doctor is serving two patients at once");
            foreach (var a in today.Where(a => a["doctorId"]!.GetValue<Guid>() == doctorId && expected.ContainsKey(a["status"]!.GetValue<string>())))
            {
                var token = Assert.Single(tokens, t => t["appointmentId"]?.GetValue<Guid>() == a["id"]!.GetValue<Guid>());
                Assert.Equal(expected[a["status"]!.GetValue<string>()], token["status"]!.GetValue<string>());
            }
        }

        // The desk calls its way through a doctor's line (serving whoever is with the doctor first) up to the checked-in
        // appointment, which then starts: checked-in demo appointments are not stuck outside the queue.
        var waiting = today.First(a => a["status"]!.GetValue<string>() == "CHECKED_IN");
        var doctor = waiting["doctorId"]!.GetValue<Guid>();
        for (var calls = 0; await StatusAsync(desk, waiting) == "CHECKED_IN"; calls++)
        {
            Assert.True(calls < 20, "the checked-in appointment was never called");
            var serving = (await (await desk.GetAsync($"/api/v1/queue?doctorId={doctor}")).JsonAsync())["serving"]!.AsArray();
            foreach (var t in serving) await (await desk.PostAsync($"/api/v1/queue/{t!["id"]}/serve", null)).JsonAsync();
            await (await desk.PostAsJsonAsync("/api/v1/queue/next", new { doctorId = doctor })).JsonAsync();
        }
        Assert.Equal("IN_CONSULTATION", await StatusAsync(desk, waiting));
    }

    static async Task<string> StatusAsync(HttpClient client, JsonObject appointment) =>
        (await (await client.GetAsync($"/api/v1/appointments/{appointment["id"]}")).JsonAsync())["status"]!.GetValue<string>();

    static async Task<(DateTimeOffset first, int total)> FirstAsync(HttpClient admin)
    {
        var page = await (await admin.GetAsync("/api/v1/appointments?pageSize=1")).JsonAsync();
        return (page["items"]![0]!["startsAt"]!.GetValue<DateTimeOffset>(), page["total"]!.GetValue<int>());
    }
}
