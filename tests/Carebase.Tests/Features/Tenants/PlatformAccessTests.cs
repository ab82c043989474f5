using Carebase.Tests.Features.Platform;

namespace Carebase.Tests.Features.Tenants;

public sealed class PlatformAccessTests
{
    static IEnumerable<(HttpMethod method, string url)> Routes(Guid id) =>
    [
        (HttpMethod.Get, "/api/v1/platform/tenants"),
        (HttpMethod.Get, $"/api/v1/platform/tenants/{id}"),
        (HttpMethod.Post, $"/api/v1/platform/tenants/{id}/activate"),
        (HttpMethod.Post, $"/api/v1/platform/tenants/{id}/suspend"),
        (HttpMethod.Post, $"/api/v1/platform/tenants/{id}/deactivate"),
        (HttpMethod.Patch, $"/api/v1/platform/tenants/{id}/limits"),
        (HttpMethod.Post, $"/api/v1/platform/tenants/{id}/reset-admin-password"),
        (HttpMethod.Get, "/api/v1/platform/metrics"),
        (HttpMethod.Get, "/api/v1/platform/audit-logs"),
        (HttpMethod.Get, "/api/v1/platform/audit-logs/verify"),
        (HttpMethod.Post, "/api/v1/admin/demo/seed"),
        (HttpMethod.Post, "/api/v1/admin/demo/freshen"),
        (HttpMethod.Post, "/api/v1/admin/demo/reset"),
    ];

    [Fact]
    public async Task Every_platform_route_is_403_for_every_hospital_role_and_401_anonymous()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        string[] roles = ["HOSPITAL_ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST", "PHARMACIST", "LAB_TECHNICIAN", "PATIENT"];
        using var anonymous = app.Anonymous();

        foreach (var role in roles)
        {
            using var client = await tenant.ClientAsync(role);
            foreach (var (method, url) in Routes(tenant.Id))
                await (await client.SendJsonAsync(method, url, method == HttpMethod.Get ? null : new { })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        }
        foreach (var (method, url) in Routes(tenant.Id))
            await (await anonymous.SendJsonAsync(method, url, method == HttpMethod.Get ? null : new { })).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        // Nothing changed.
        using var super = await app.SuperAdminAsync();
        Assert.Equal("ACTIVE", (await super.TenantAsync(tenant.Id))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Super_admin_lists_searches_and_inspects_hospitals_with_counts()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync("find");
        await tenant.CreateUserAsync("DOCTOR");
        using var adminSession = await tenant.AdminAsync();
        using var super = await app.SuperAdminAsync();

        var page = await (await super.GetAsync($"/api/v1/platform/tenants?q={tenant.Slug.ToUpperInvariant()}&status=ACTIVE&page=1&pageSize=10")).JsonAsync();

        Assert.Equal(1, page["total"]!.GetValue<int>());
        Assert.Equal(10, page["pageSize"]!.GetValue<int>());
        var item = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(tenant.Id, item["id"]!.GetValue<Guid>());
        Assert.Equal(2, item["users"]!.GetValue<int>());
        var none = await (await super.GetAsync($"/api/v1/platform/tenants?q={tenant.Slug}&status=SUSPENDED")).JsonAsync();
        Assert.Equal(0, none["total"]!.GetValue<int>());

        var detail = await super.TenantAsync(tenant.Id);
        Assert.Equal(2, detail["counts"]!["users"]!.GetValue<int>());
        Assert.Equal(2, detail["counts"]!["activeUsers"]!.GetValue<int>());
        Assert.True(detail["counts"]!["openSessions"]!.GetValue<int>() >= 1);

        await (await super.GetAsync("/api/v1/platform/tenants?pageSize=500")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        await (await super.GetAsync("/api/v1/platform/tenants?status=SLEEPING")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        await (await super.GetAsync($"/api/v1/platform/tenants/{Guid.NewGuid()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_count_hospitals_and_failed_sign_ins()
    {
        var app = await CarebaseApp.Shared();
        using var super = await app.SuperAdminAsync();
        var before = await (await super.GetAsync("/api/v1/platform/metrics")).JsonAsync();

        var tenant = await app.NewTenantAsync();
        await (await app.LoginResponseAsync(tenant.AdminEmail, "wrong-password-123")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await app.LoginResponseAsync(tenant.AdminEmail)).EnsureStatusAsync(HttpStatusCode.OK);
        var after = await (await super.GetAsync("/api/v1/platform/metrics")).JsonAsync();

        Assert.True(after["tenants"]!["total"]!.GetValue<int>() > before["tenants"]!["total"]!.GetValue<int>());
        Assert.True(after["users"]!["total"]!.GetValue<int>() > before["users"]!["total"]!.GetValue<int>());
        Assert.True(after["signInsLast24Hours"]!["failed"]!.GetValue<int>() > before["signInsLast24Hours"]!["failed"]!.GetValue<int>());
        Assert.True(after["signInsLast24Hours"]!["succeeded"]!.GetValue<int>() > before["signInsLast24Hours"]!["succeeded"]!.GetValue<int>());
        Assert.True(after["openSessions"]!.GetValue<int>() >= 1);
        Assert.True(after["users"]!["superAdmins"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task Demo_routes_are_404_outside_demo_mode_even_for_a_super_admin()
    {
        var app = await CarebaseApp.Shared();
        using var super = await app.SuperAdminAsync();

        await (await super.PostAsync("/api/v1/admin/demo/seed", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await super.PostAsJsonAsync("/api/v1/admin/demo/freshen", new { days = 7 })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await super.PostAsync("/api/v1/admin/demo/reset", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
