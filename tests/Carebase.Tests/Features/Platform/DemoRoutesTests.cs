using Carebase.Api.Features.Demo;
using Carebase.Api.Features.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Platform;

public sealed class DemoRoutesTests
{
    [Fact]
    public async Task In_demo_mode_a_super_admin_seeds_freshens_and_resets_the_demo_hospitals()
    {
        await using var app = await CarebaseApp.CreateAsync(await TestDatabase.CreateDatabaseAsync("demomode"),
            new Dictionary<string, string?> { ["Carebase:DemoMode"] = "true" });
        using var super = await app.SignInAsync(DemoData.SuperAdminEmail, DemoData.Password);
        using var demoAdmin = await app.SignInAsync("admin@general.demo", DemoData.Password);

        await (await super.PostAsync("/api/v1/admin/demo/seed", null)).EnsureStatusAsync(HttpStatusCode.OK);
        var freshened = await (await super.PostAsJsonAsync("/api/v1/admin/demo/freshen", new { days = 7 })).JsonAsync();
        Assert.Equal(7, freshened["days"]!.GetValue<int>());
        await (await super.PostAsJsonAsync("/api/v1/admin/demo/freshen", new { days = 0 })).ShouldBeProblemAsync((HttpStatusCode)422, "validation_failed");
        await (await demoAdmin.PostAsync("/api/v1/admin/demo/reset", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var before = await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.IsDemo).Select(t => t.Id).ToListAsync());

        await (await super.PostAsync("/api/v1/admin/demo/reset", null)).EnsureStatusAsync(HttpStatusCode.OK);

        var after = await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.IsDemo).OrderBy(t => t.Slug).Select(t => t.Slug).ToListAsync());
        Assert.Equal(["general", "sunrise"], after);
        Assert.False(await app.WithDbAsync(db => db.Set<Tenant>().AnyAsync(t => before.Contains(t.Id))), "reset recreates the demo hospitals");
        await app.LoginAsync("doctor@sunrise.demo", DemoData.Password);
        var trail = await (await super.GetAsync("/api/v1/platform/audit-logs?resourceType=DEMO")).JsonAsync();
        Assert.Equal(["DEMO_RESET", "DEMO_FRESHENED", "DEMO_SEEDED"], trail["items"]!.AsArray().Select(i => i!["action"]!.GetValue<string>()));
    }
}
