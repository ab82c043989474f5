using Carebase.Api.Features.Tenants;
using Carebase.Tests.Features.Platform;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Tenants;

public sealed class TenantLifecycleTests
{
    [Fact]
    public async Task Suspending_a_hospital_refuses_its_live_tokens_and_logins_until_it_is_reactivated()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await admin.GetAsync("/api/v1/tenant")).EnsureStatusAsync(HttpStatusCode.OK); // the session is now cached
        using var super = await app.SuperAdminAsync();

        var suspended = await (await super.PostAsJsonAsync($"/api/v1/platform/tenants/{tenant.Id}/suspend", new { reason = "Unpaid invoice" })).JsonAsync();

        Assert.Equal("SUSPENDED", suspended["status"]!.GetValue<string>());
        Assert.Equal("Unpaid invoice", suspended["statusReason"]!.GetValue<string>());
        await (await admin.GetAsync("/api/v1/tenant")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "tenant_suspended");
        await (await app.LoginResponseAsync(tenant.AdminEmail)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "tenant_suspended");

        await (await super.PostAsync($"/api/v1/platform/tenants/{tenant.Id}/activate", null)).EnsureStatusAsync(HttpStatusCode.OK);

        await (await admin.GetAsync("/api/v1/tenant")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await app.LoginResponseAsync(tenant.AdminEmail)).EnsureStatusAsync(HttpStatusCode.OK);
        // The hospital's own trail shows what the platform did to it.
        var trail = await (await admin.GetAsync("/api/v1/reports/audit-logs?action=TENANT_SUSPENDED")).JsonAsync();
        var entry = Assert.Single(trail["items"]!.AsArray());
        Assert.Equal("Unpaid invoice", entry!["changes"]!["reason"]!.GetValue<string>());
        Assert.Contains("SUPER_ADMIN", entry["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Deactivation_refuses_access_and_illegal_moves_are_409()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var super = await app.SuperAdminAsync();

        await (await super.PostAsync($"/api/v1/platform/tenants/{tenant.Id}/activate", null))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_status_change");
        await (await super.PostAsJsonAsync($"/api/v1/platform/tenants/{tenant.Id}/deactivate", new { reason = "Closed" })).EnsureStatusAsync(HttpStatusCode.OK);

        await (await admin.GetAsync("/api/v1/tenant")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "tenant_inactive");
        await (await super.PostAsync($"/api/v1/platform/tenants/{tenant.Id}/deactivate", null))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_status_change");
        await (await super.PostAsync($"/api/v1/platform/tenants/{tenant.Id}/suspend", null))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "illegal_status_change");
        Assert.Equal(TenantStatus.Inactive, await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.Id == tenant.Id).Select(t => t.Status).SingleAsync()));
        await (await super.PostAsync($"/api/v1/platform/tenants/{Guid.NewGuid()}/suspend", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Limits_are_stored_null_means_unlimited_and_bad_values_are_422()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var super = await app.SuperAdminAsync();
        var url = $"/api/v1/platform/tenants/{tenant.Id}/limits";

        var set = await (await super.PatchAsJsonAsync(url, new { maxUsers = 3, maxPatients = 500 })).JsonAsync();

        Assert.Equal(3, set["maxUsers"]!.GetValue<int>());
        var stored = await app.WithDbAsync(db => db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == tenant.Id));
        Assert.Equal((3, 500), (stored.MaxUsers, stored.MaxPatients));
        var detail = await super.TenantAsync(tenant.Id);
        Assert.Equal(3, detail["maxUsers"]!.GetValue<int>());
        Assert.Equal(1, detail["counts"]!["users"]!.GetValue<int>());

        foreach (var bad in new object[] { new { maxUsers = 0 }, new { maxUsers = -5 }, new { maxPatients = 0 } })
            await (await super.PatchAsJsonAsync(url, bad)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(3, await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.Id == tenant.Id).Select(t => t.MaxUsers).SingleAsync()));

        await (await super.PatchAsJsonAsync(url, new { maxUsers = (int?)null, maxPatients = (int?)null })).EnsureStatusAsync(HttpStatusCode.OK);
        stored = await app.WithDbAsync(db => db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == tenant.Id));
        Assert.Null(stored.MaxUsers);
        Assert.Null(stored.MaxPatients);
    }

    [Fact]
    public async Task Resetting_the_admin_password_emails_a_link_and_ends_the_admin_sessions()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await (await admin.GetAsync("/api/v1/tenant")).EnsureStatusAsync(HttpStatusCode.OK);
        using var super = await app.SuperAdminAsync();

        var answer = await (await super.PostAsync($"/api/v1/platform/tenants/{tenant.Id}/reset-admin-password", null)).JsonAsync(HttpStatusCode.Accepted);

        Assert.Equal(1, answer["adminsNotified"]!.GetValue<int>());
        await (await admin.GetAsync("/api/v1/tenant")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "session_ended");
        var mail = await app.Mail.WaitForAsync(tenant.AdminEmail, "password-reset");
        using var anonymous = app.Anonymous();
        const string newPassword = "Fresh-Meadow-Lantern-42";
        await (await anonymous.PostAsJsonAsync("/api/v1/auth/reset-password", new { email = tenant.AdminEmail, token = mail.Token, newPassword }))
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        await (await app.LoginResponseAsync(tenant.AdminEmail, newPassword)).EnsureStatusAsync(HttpStatusCode.OK);
    }
}
