using System.Diagnostics;
using Carebase.Tests.Features.Doctors;
using Carebase.Tests.Features.Patients;

namespace Carebase.Tests.Features.Tenants;

/// <summary>The hospital's zone is the one source of local time: every instant answered is in its offset, and a change applies on every instance at once.</summary>
public sealed class TenantClockTests
{
    [Fact]
    public async Task Every_instant_is_answered_in_the_hospitals_offset()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("clk", "Asia/Kolkata");
        var admin = await tenant.AdminAsync();
        var patient = await PatientKit.RegisterAsync(admin, PatientKit.Person());
        Assert.EndsWith("+05:30", patient["createdAt"]!.GetValue<string>());
        var user = await (await admin.GetAsync($"/api/v1/users/{tenant.AdminId}")).JsonAsync();
        Assert.EndsWith("+05:30", user["createdAt"]!.GetValue<string>());
        var trail = await (await admin.GetAsync("/api/v1/reports/audit-logs?pageSize=1")).ItemsAsync();
        Assert.EndsWith("+05:30", trail[0]!["occurredAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_new_timezone_applies_at_once_on_another_instance()
    {
        var app = await CarebaseApp.Shared();
        await using var second = await CarebaseApp.CreateAsync();
        var tenant = await app.NewTenantAsync("clk", "UTC");
        var admin = await tenant.AdminAsync();
        var doctor = DoctorsApi.IdOf(await DoctorsApi.CreateDoctorAsync(admin, tenant));
        using var elsewhere = second.WithToken((await app.LoginAsync(tenant.AdminEmail)).AccessToken);
        var hours = $"/api/v1/doctors/{doctor}/working-hours";
        Assert.Equal("UTC", (await (await elsewhere.GetAsync(hours)).JsonAsync())["timezone"]!.GetValue<string>()); // cached there now

        await (await admin.PatchAsJsonAsync("/api/v1/tenant", new { timezone = "Asia/Kolkata" })).JsonAsync();

        // The other instance caches sessions for 10 seconds; the change must reach it well before that.
        var watch = Stopwatch.StartNew();
        string zone;
        do zone = (await (await elsewhere.GetAsync(hours)).JsonAsync())["timezone"]!.GetValue<string>();
        while (zone != "Asia/Kolkata" && watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal("Asia/Kolkata", zone);
    }
}
