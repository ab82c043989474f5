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
        var mine = await (await patient.GetAsync("/api/v1/appointments")).JsonAsync();
        Assert.True(mine["total"]!.GetValue<int>() > 0);
        Assert.Single(mine["items"]!.AsArray().Select(a => a!["patientId"]!.GetValue<Guid>()).Distinct());

        var before = await FirstAsync(admin);
        await app.Services.GetRequiredService<DemoData>().FreshenAsync(7, default);
        var after = await FirstAsync(admin);
        Assert.Equal(before.total, after.total);
        Assert.Equal(TimeSpan.FromDays(7), after.first - before.first);
    }

    static async Task<(DateTimeOffset first, int total)> FirstAsync(HttpClient admin)
    {
        var page = await (await admin.GetAsync("/api/v1/appointments?pageSize=1")).JsonAsync();
        return (page["items"]![0]!["startsAt"]!.GetValue<DateTimeOffset>(), page["total"]!.GetValue<int>());
    }
}
