using static Carebase.Tests.Features.Staff.StaffApi;

namespace Carebase.Tests.Features.Staff;

/// <summary>The tenant's MaxUsers: counted over active staff, with the tenant row locked so parallel creates cannot overshoot.</summary>
public sealed class UserLimitTests
{
    [Fact]
    public async Task Creating_beyond_MaxUsers_is_409_naming_the_limit_and_deactivated_accounts_free_a_seat()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var nurse = await RoleIdAsync(admin, "NURSE");
        var first = await (await PostUserAsync(admin, NewEmail(tenant), [nurse])).JsonAsync(HttpStatusCode.Created);
        await SetMaxUsersAsync(app, tenant, 2);

        var problem = await (await PostUserAsync(admin, NewEmail(tenant), [nurse])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "user_limit_reached");
        Assert.Contains("at most 2", problem["detail"]!.GetValue<string>());
        Assert.Equal(2, problem["maxUsers"]!.GetValue<int>());

        var firstId = first["id"]!.GetValue<Guid>();
        await (await admin.PostAsync($"/api/v1/users/{firstId}/deactivate", null)).EnsureStatusAsync(HttpStatusCode.OK);
        await (await PostUserAsync(admin, NewEmail(tenant), [nurse])).EnsureStatusAsync(HttpStatusCode.Created);
        // Reactivating would make three active accounts.
        await (await admin.PostAsync($"/api/v1/users/{firstId}/activate", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "user_limit_reached");
        Assert.Equal(2, await ActiveStaffAsync(app, tenant));
    }

    [Fact]
    public async Task Parallel_creates_never_exceed_MaxUsers()
    {
        var app = await CarebaseApp.Shared();
        var tenant = await app.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var nurse = await RoleIdAsync(admin, "NURSE");
        await (await PostUserAsync(admin, NewEmail(tenant), [nurse])).EnsureStatusAsync(HttpStatusCode.Created);
        await SetMaxUsersAsync(app, tenant, 3); // two active already: one seat left

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PostUserAsync(admin, NewEmail(tenant), [nurse])));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "user_limit_reached");
        Assert.Equal(3, await ActiveStaffAsync(app, tenant));
    }
}
