using Carebase.Api.Features.Tenants;
using Carebase.Tests.Features.Platform;
using Microsoft.EntityFrameworkCore;

namespace Carebase.Tests.Features.Tenants;

public sealed class TenantSettingsTests
{
    [Fact]
    public async Task Patch_with_the_current_etag_applies_and_a_stale_one_is_412()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var read = await admin.GetAsync("/api/v1/tenant");
        await read.EnsureStatusAsync(HttpStatusCode.OK);
        var etag = read.Headers.ETag!.ToString();

        var ok = await admin.SendJsonAsync(HttpMethod.Patch, "/api/v1/tenant",
            new { name = "Renamed Hospital", slotMinutes = 20, idleTimeoutMinutes = 45, currency = "GBP", timezone = "Europe/London" }, ("If-Match", etag));

        var body = await ok.JsonAsync();
        Assert.Equal("Renamed Hospital", body["name"]!.GetValue<string>());
        Assert.Equal(20, body["slotMinutes"]!.GetValue<int>());
        var newEtag = ok.Headers.ETag!.ToString();
        Assert.NotEqual(etag, newEtag);

        var stale = await admin.SendJsonAsync(HttpMethod.Patch, "/api/v1/tenant", new { name = "Lost Update" }, ("If-Match", etag));

        await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "stale_version");
        var stored = await app.WithDbAsync(db => db.Set<Tenant>().AsNoTracking().SingleAsync(t => t.Id == tenant.Id));
        Assert.Equal(("Renamed Hospital", 20, 45, "GBP", "Europe/London"), (stored.Name, stored.SlotMinutes, stored.IdleTimeoutMinutes, stored.Currency, stored.Timezone));
        var again = await admin.GetAsync("/api/v1/tenant");
        Assert.Equal(newEtag, again.Headers.ETag!.ToString());
        await (await admin.SendJsonAsync(HttpMethod.Patch, "/api/v1/tenant", new { address = "2 Main St" }, ("If-Match", newEtag)))
            .EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_settings_are_422_and_staff_without_tenant_manage_get_403()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var bad = await admin.PatchAsJsonAsync("/api/v1/tenant",
            new { slotMinutes = 3, idleTimeoutMinutes = 0, currency = "XYZ", timezone = "Nowhere/City", contactEmail = "nope", name = " " });
        var errors = (await bad.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed"))["errors"]!.AsObject();
        foreach (var field in new[] { "slotMinutes", "idleTimeoutMinutes", "currency", "timezone", "contactEmail", "name" })
            Assert.True(errors.ContainsKey(field), $"expected an error on {field}: {errors.ToJsonString()}");

        using var receptionist = await tenant.ClientAsync("RECEPTIONIST");
        await (await receptionist.GetAsync("/api/v1/tenant")).EnsureStatusAsync(HttpStatusCode.OK);
        await (await receptionist.PatchAsJsonAsync("/api/v1/tenant", new { name = "Mine now" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        using var patient = await tenant.ClientAsync("PATIENT");
        await (await patient.GetAsync("/api/v1/tenant")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal($"Hospital {tenant.Slug}", await app.WithDbAsync(db => db.Set<Tenant>().Where(t => t.Id == tenant.Id).Select(t => t.Name).SingleAsync()));
    }
}
